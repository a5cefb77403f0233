"""`symphonia db …`: create and migrate the database (SQLite by default, or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from symphonia.cli.common import console, fail, handle_errors, settings
from symphonia.cli.usage import Command

app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)


@app.command(cls=Command)
def upgrade(
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Create the schema, or bring it up to the latest revision."""
    from symphonia.db.migrate import current
    from symphonia.db.migrate import upgrade as do_upgrade

    with handle_errors(), _migration_errors("upgrade", revision):
        url = settings().resolved_database_url
        do_upgrade(url, revision)
        console.print(f"database at revision {current(url)} ({_shown(url)})")


@app.command(cls=Command, short_help="Step the schema back to an earlier revision.")
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision, or 'base'.", metavar="REVISION")
    ],
) -> None:
    """Step the schema back to an earlier revision (data in dropped tables is lost)."""
    from symphonia.db.migrate import current
    from symphonia.db.migrate import downgrade as do_downgrade

    with handle_errors(), _migration_errors("downgrade", revision):
        url = settings().resolved_database_url
        do_downgrade(url, revision)
        console.print(f"database at revision {current(url) or 'base'}")


@contextmanager
def _migration_errors(verb: str, revision: str) -> Iterator[None]:
    """Alembic refuses an unknown or unreachable revision with a CommandError; say so in one
    line and list the revisions there are, instead of a traceback."""
    from alembic.util import CommandError

    try:
        yield
    except CommandError as exc:
        from symphonia.db.migrate import heads

        fail(
            f"cannot {verb} to revision {revision!r}: {exc} "
            f"(known: 'head' = {', '.join(heads())}, or 'base')"
        )


@app.command("current", cls=Command)
def show_current() -> None:
    """Print the schema revision of the configured database."""
    from symphonia.db.migrate import current

    with handle_errors():
        console.print(current(settings().resolved_database_url) or "base (empty)")


def _shown(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
