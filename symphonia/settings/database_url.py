"""The database URL Symphonia is given, checked as text before any driver sees it.

Kept apart from the other settings because it is a small parser of its own: the schemes
accepted and the driver each means, and one clear line for each way a URL can be wrong.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from symphonia.settings.environment import SettingsError

DATABASE_URL_FORMS = (
    "sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:password@host:5432/database"
)
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
"""URL schemes accepted, and the async driver each means. Hosting platforms hand out
``postgres://`` and ``postgresql://`` URLs; they name the server, not a Python driver, so they
mean asyncpg here (the only PostgreSQL driver installed), as ``sqlite://`` means aiosqlite."""
_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def hide_password(url: str) -> str:
    """A database URL fit to print: the password, if any, replaced by ``***``."""
    return _PASSWORD.sub(r"\1***@", url)


def check_database_url(value: str, name: str = "SYMPHONIA_DATABASE_URL") -> str:
    """`value` as the URL of a database Symphonia runs on, with its async driver named, or
    :class:`SettingsError` saying what is wrong (the password hidden).

    Checked here, as text, so a wrong URL is one clear line instead of a driver's
    ``ModuleNotFoundError`` (``mysql://``, or ``postgresql://`` reaching for psycopg) or an
    ``int()`` traceback (a port of ``abc``); whether the server answers is the engine's
    business (:mod:`symphonia.db.engine`).
    """
    shown = hide_password(value)
    scheme, sep, rest = value.strip().partition("://")
    driver = _DRIVERS.get(scheme.lower()) if sep else None
    if driver is None:
        what = f"the scheme {scheme!r} is not supported" if sep else "this is not a URL"
        raise SettingsError(
            name, shown, f"{what}; Symphonia runs on SQLite or PostgreSQL: {DATABASE_URL_FORMS}"
        )
    if driver.startswith("sqlite"):
        if not rest.startswith("/") or not rest.strip("/"):
            raise SettingsError(name, shown, f"it names no database file; {DATABASE_URL_FORMS}")
        return f"{driver}://{rest}"
    parts = urlsplit(f"//{rest}")
    try:
        port = parts.port  # urlsplit checks the port only when asked for it
    except ValueError:
        port = 0
    if port == 0:
        written = parts.netloc.rpartition(":")[2]
        raise SettingsError(name, shown, f"the port {written!r} is not a number from 1 to 65535")
    if not parts.path.strip("/"):
        raise SettingsError(name, shown, f"it names no database; {DATABASE_URL_FORMS}")
    if not parts.hostname and "host=" not in parts.query:
        raise SettingsError(name, shown, f"it names no server host; {DATABASE_URL_FORMS}")
    return f"{driver}://{rest}"
