"""`symphonia fragments import`, `ratings import`, `import-polis`: all-or-nothing imports.

Files are read (and refused, with every problem) before the database is touched; the line of
each record travels with it, so a problem only the database reveals still names file:line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from symphonia.cli.common import ACTOR, console, count, handle_errors, run
from symphonia.cli.study_cmds import RoundArg, StudyArg
from symphonia.cli.usage import Command
from symphonia.composition import Container
from symphonia.interchange import (
    InterchangeError,
    try_read_fragments,
    try_read_rating_items,
    try_read_ratings,
)
from symphonia.polis import read_polis_export
from symphonia.services.polis_import import PolisImportOutcome
from symphonia.services.polis_import import import_polis as import_polis_service
from symphonia.services.submissions import SourceLines, import_fragments, import_ratings

fragments_app = typer.Typer(help="Import evidence fragments.", no_args_is_help=True)
ratings_app = typer.Typer(help="Import ratings.", no_args_is_help=True)

FileArg = Annotated[
    Path, typer.Argument(help="JSONL (one object per line) or CSV file.", metavar="FILE")
]


@fragments_app.command(
    "import", cls=Command, short_help="Import fragments into an open contribute round."
)
def fragments_import(study: StudyArg, number: RoundArg, file: FileArg) -> None:
    """Import fragments into an open contribute round; nothing is written if any line is bad."""
    with handle_errors():
        read = try_read_fragments(file)
        fragments = read.unwrap()

    async def go(container: Container) -> None:
        async with container.session() as session:
            outcome = await import_fragments(
                session, study, number, fragments, str(file), lines=read.lines, actor=ACTOR
            )
        console.print(
            f"imported {count(outcome.imported, 'fragment')} into round {number} of {study!r}"
        )

    run(go)


@ratings_app.command("import", cls=Command, short_help="Import ratings into an open rate round.")
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
        read = try_read_ratings(file)
        read_items = try_read_rating_items(items) if items is not None else None
        issues = read.issues + (read_items.issues if read_items is not None else [])
        if issues:  # both files read first: one refusal lists the problems of each
            truncated = read.truncated or (read_items is not None and read_items.truncated)
            raise InterchangeError.across(issues, truncated)
        ratings = read.records
        declared = read_items.records if read_items is not None else []
    items_from = (
        SourceLines(read_items.file, read_items.lines) if read_items is not None else SourceLines()
    )

    async def go(container: Container) -> None:
        async with container.session() as session:
            outcome = await import_ratings(
                session,
                study,
                number,
                ratings,
                declared,
                str(file),
                lines=read.lines,
                items_from=items_from,
                actor=ACTOR,
            )
        console.print(
            f"imported {count(outcome.imported, 'rating')} into round {number} of {study!r}"
        )

    run(go)


def import_polis(
    directory: Annotated[
        Path,
        typer.Argument(
            help="A Polis open-data export: comments.csv, votes.csv, summary.csv.",
            metavar="DIRECTORY",
        ),
    ],
) -> None:
    """Turn a Polis export into a study: comments become fragments, votes 3-point ratings.

    An export whose votes.csv is absent or empty falls back on comments.csv's agrees and
    disagrees counts: kept as counts without voters, so no opinion groups can be formed.

    A third-party export is not refused over one bad comment: comments moderated out, and
    comments whose text cannot be kept (empty, too long, or holding a control character),
    are left out with their votes; so is a vote its voter later changed. What was left out
    is counted here and recorded, with the lines and reasons, in the audit log. Malformed
    files, cells or summary values still refuse the whole export, and nothing is written.
    """
    with handle_errors():
        conversation = read_polis_export(directory)

    async def go(container: Container) -> None:
        async with container.session() as session:
            outcome = await import_polis_service(session, conversation, directory, actor=ACTOR)
        votes = (
            f"{outcome.ratings} votes as agree/disagree counts without voters (round 2; "
            "votes.csv holds no votes, so no opinion groups)"
            if outcome.counts_only
            else f"{outcome.ratings} votes as ratings (round 2)"
        )
        console.print(
            f"study {outcome.slug!r}: {outcome.fragments} comments as fragments (round 1), "
            f"{votes}, {outcome.participants} participants" + _left_out(outcome)
        )

    run(go)


def _left_out(outcome: PolisImportOutcome) -> str:
    """What the import left out and why, so that nothing is dropped silently."""
    comments: list[str] = []
    if outcome.moderated_out:
        comments.append(count(outcome.moderated_out, "moderated-out comment"))
    if outcome.unusable:
        lines = ", ".join(str(i.line) for i in outcome.unusable[:10])
        more = ", …" if len(outcome.unusable) > 10 else ""
        comments.append(
            f"{count(len(outcome.unusable), 'comment')} whose text cannot be kept "
            f"({outcome.unusable[0].file} line(s) {lines}{more})"
        )
    parts = [", ".join(comments)] if comments else []
    if parts and outcome.votes_on_excluded:
        parts[0] += f", with their {count(outcome.votes_on_excluded, 'vote')}"
    if outcome.superseded_votes:
        parts.append(f"{count(outcome.superseded_votes, 'earlier vote')} changed later")
    if outcome.participants_left_out:
        who = count(outcome.participants_left_out, "participant")
        parts.append(f"{who} with nothing kept")
    return f"; left out: {'; '.join(parts)}" if parts else ""
