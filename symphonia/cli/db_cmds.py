"""`symphonia db …`: create and migrate the database (SQLite by default, or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from symphonia.cli.common import console, fail, handle_errors, settings
from symphonia.cli.usage import Command
from symphonia.core.text_rules import clip

if TYPE_CHECKING:
    from symphonia.db.migrate import DowngradePlan

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
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Go ahead without asking for confirmation.")
    ] = False,
) -> None:
    """Step the schema back to an earlier revision (data in dropped tables is lost).

    Says first what would go (every table and the rows it holds, for 'base'), then asks;
    `--yes` answers for scripts. Without a terminal to ask on, it refuses rather than guess.
    """
    from symphonia.db.migrate import current, downgrade_plan
    from symphonia.db.migrate import downgrade as do_downgrade

    with handle_errors(), _migration_errors("downgrade", revision):
        url = settings().resolved_database_url
        plan = downgrade_plan(url, revision)
        if not plan.undone:
            console.print(f"database already at revision {plan.current or 'base'}; nothing to do")
            return
        _show_plan(plan, url)
        if not yes:
            _confirm(plan)
        do_downgrade(url, revision)
        console.print(f"database at revision {current(url) or 'base'}")


def _show_plan(plan: DowngradePlan, url: str) -> None:
    console.print(f"Downgrading {_shown(url)} from {plan.current} to {plan.target} undoes:")
    for rev, doc in plan.undone:
        console.print(f"  {rev}: {doc}")
    if plan.drops_everything:
        held = ", ".join(f"{table} {n}" for table, n in plan.rows.items() if n) or "no rows"
        console.print(f"Every table is dropped, with all its data ({held}).")


def _confirm(plan: DowngradePlan) -> None:
    """Ask on the terminal; no answer (no terminal, end of input) is no."""
    question = "Drop every table and all its data?" if plan.drops_everything else "Go ahead?"
    try:
        agreed = typer.confirm(question, default=False)
    except typer.Abort:
        agreed = False
    if not agreed:
        fail("downgrade cancelled; nothing was changed (pass --yes to go ahead without asking)")


@contextmanager
def _migration_errors(verb: str, revision: str) -> Iterator[None]:
    """Alembic refuses an unknown or unreachable revision with a CommandError; say so in one
    line and list the revisions there are, instead of a traceback."""
    from alembic.util import CommandError

    try:
        yield
    except CommandError as exc:
        from symphonia.db.migrate import heads

        reason = str(exc) if len(revision) <= 40 else "no such revision"
        fail(
            f"cannot {verb} to revision {clip(repr(revision))}: {reason} "
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
