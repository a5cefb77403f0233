"""What SYMPHONIA_ENV=production refuses: the embedded defaults (a generated secret key,
SQLite), which are right for one machine and wrong behind a load balancer.

Kept apart from the settings: only `symphonia serve` and `symphonia worker` ask, once, at
start.
"""

from __future__ import annotations

from symphonia.core.errors import SymphoniaError
from symphonia.settings import Settings

EXAMPLE_SECRET = "change-me-to-a-random-secret-of-at-least-32-characters"  # noqa: S105
"""The placeholder in deploy/.env.example: a deployment that kept it has no secret."""


class UnsafeForProduction(SymphoniaError):
    """SYMPHONIA_ENV=production with a setting only the embedded default may use."""


def production_problems(settings: Settings) -> list[str]:
    """What stops `settings` from running in production (empty outside production).

    The embedded default generates a secret key into the data directory and keeps its data
    in SQLite: right for one machine, wrong for several processes behind a load balancer
    (each container would make its own key, signing everyone out at random) and for a
    database that must be backed up while it is written."""
    if not settings.production:
        return []
    problems = []
    secret = settings.web.secret_key
    if not secret or secret == EXAMPLE_SECRET:
        problems.append(
            "SYMPHONIA_SECRET_KEY is "
            + (
                "unset (a key would be generated per data directory)"
                if not secret
                else "the placeholder from .env.example"
            )
            + "; set a random one: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    if not settings.resolved_database_url.startswith("postgresql"):
        problems.append(
            "SYMPHONIA_DATABASE_URL is "
            + ("unset (the default is SQLite)" if not settings.database_url else "SQLite")
            + "; production runs on PostgreSQL: postgresql+asyncpg://user:password@host/db"
        )
    return problems


def require_production_ready(settings: Settings, what: str) -> None:
    """Refuse to start `what` (the web server, a worker) in production with unsafe settings."""
    problems = production_problems(settings)
    if problems:
        raise UnsafeForProduction(
            f"refusing to start the {what} with SYMPHONIA_ENV=production:\n"
            + "\n".join(f"- {problem}" for problem in problems),
            code="unsafe_for_production",
        )
