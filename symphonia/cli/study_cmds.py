"""`symphonia study …` and `symphonia round …`: set a study up and run its schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from symphonia.cli.common import ACTOR, console, count, handle_errors, run
from symphonia.cli.usage import Command
from symphonia.composition import Container
from symphonia.core.protocol import MAX_ROUNDS
from symphonia.services.overview import list_studies as list_studies_service
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file

study_app = typer.Typer(help="Load and list studies.", no_args_is_help=True)
round_app = typer.Typer(help="Open and close rounds.", no_args_is_help=True)

StudyArg = Annotated[str, typer.Argument(help="Study id, as in its study.toml.", metavar="STUDY")]
RoundArg = Annotated[
    int, typer.Argument(help="Round number.", min=1, max=MAX_ROUNDS, metavar="NUMBER")
]


@study_app.command(
    "load", cls=Command, short_help="Create or update a study from its TOML definition."
)
def load(
    path: Annotated[
        Path, typer.Argument(help="A study directory or its study.toml.", metavar="PATH")
    ],
) -> None:
    """Create a study from its TOML definition, or update it (the protocol locks at round 1)."""
    with handle_errors():
        definition = read_study_file(path)

    async def go(container: Container) -> None:
        async with container.session() as session:
            outcome = await load_study(session, definition, actor=ACTOR)
        if not outcome.changed:
            console.print(f"study {definition.id!r} unchanged: the database already matches")
            return
        verb = "created" if outcome.created else "updated"
        removed = [
            count(n, noun)
            for n, noun in (
                (outcome.removed_groups, "group"),
                (outcome.removed_participants, "participant"),
                (outcome.removed_rounds, "draft round"),
            )
            if n
        ]
        console.print(
            f"study {definition.id!r} {verb}: {outcome.added_groups} groups, "
            f"{outcome.added_participants} participants, {outcome.added_rounds} rounds added"
            + (
                f"; removed as the file no longer lists them: {', '.join(removed)}"
                if removed
                else ""
            )
        )

    run(go)


@study_app.command("list", cls=Command)
def list_studies() -> None:
    """List the studies in the database with their rounds' status."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            studies = await list_studies_service(session, actor=ACTOR)
        table = Table("study", "title", "rounds")
        for s in studies:
            shown = ", ".join(f"{r.number}:{r.kind.value}/{r.status.value}" for r in s.rounds)
            table.add_row(s.study.slug, s.study.title, shown)
        console.print(table if studies else "no studies yet; load one with `symphonia study load`")

    run(go)


@round_app.command(
    "open", cls=Command, short_help="Open the next draft round (round 1 locks the protocol)."
)
def open_cmd(study: StudyArg, number: RoundArg) -> None:
    """Open a draft round for contributions or ratings (opening round 1 locks the protocol)."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            await open_round(session, study, number, actor=ACTOR)
        console.print(f"round {number} of {study!r} is open")

    run(go)


@round_app.command("close", cls=Command)
def close_cmd(study: StudyArg, number: RoundArg) -> None:
    """Close an open round: nothing more is accepted into it."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            await close_round(session, study, number, actor=ACTOR)
        console.print(f"round {number} of {study!r} is closed")

    run(go)
