"""`symphonia fragments import`, `ratings import`, `import-polis`: all-or-nothing imports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from symphonia.cli.common import ACTOR, console, db_session, handle_errors, run
from symphonia.cli.study_cmds import RoundArg, StudyArg
from symphonia.interchange import read_fragments, read_rating_items, read_ratings
from symphonia.polis import read_polis_export
from symphonia.services.polis_import import import_polis as import_polis_service
from symphonia.services.submissions import import_fragments, import_ratings

fragments_app = typer.Typer(help="Import evidence fragments.", no_args_is_help=True)
ratings_app = typer.Typer(help="Import ratings.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="JSONL (one object per line) or CSV file.")]


@fragments_app.command("import")
def fragments_import(study: StudyArg, number: RoundArg, file: FileArg) -> None:
    """Import fragments into an open contribute round; nothing is written if any line is bad."""
    with handle_errors():
        fragments = read_fragments(file)

    async def go() -> None:
        async with db_session() as session:
            outcome = await import_fragments(session, study, number, fragments, ACTOR, str(file))
        console.print(f"imported {outcome.imported} fragments into round {number} of {study!r}")

    run(go())


@ratings_app.command("import")
def ratings_import(
    study: StudyArg,
    number: RoundArg,
    file: FileArg,
    items: Annotated[
        Path | None,
        typer.Option(help="Rating items JSONL ({id, text, fragment_ids}) the ratings refer to."),
    ] = None,
) -> None:
    """Import ratings into an open rate round; scores are checked against the study's scale."""
    with handle_errors():
        ratings = read_ratings(file)
        declared = read_rating_items(items) if items is not None else []

    async def go() -> None:
        async with db_session() as session:
            outcome = await import_ratings(
                session, study, number, ratings, ACTOR, declared, str(file)
            )
        console.print(f"imported {outcome.imported} ratings into round {number} of {study!r}")

    run(go())


def import_polis(
    directory: Annotated[
        Path, typer.Argument(help="A Polis open-data export: comments.csv, votes.csv, summary.csv.")
    ],
) -> None:
    """Turn a Polis export into a study: comments become fragments, votes 3-point ratings."""
    with handle_errors():
        conversation = read_polis_export(directory)

    async def go() -> None:
        async with db_session() as session:
            outcome = await import_polis_service(session, conversation, directory, ACTOR)
        console.print(
            f"study {outcome.slug!r}: {outcome.fragments} comments as fragments (round 1), "
            f"{outcome.ratings} votes as ratings (round 2), {outcome.participants} participants"
            + (
                f"; {conversation.moderated_out} moderated-out comments left out"
                if conversation.moderated_out
                else ""
            )
        )

    run(go())
