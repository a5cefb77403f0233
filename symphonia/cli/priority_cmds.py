"""`symphonia priorities …`: a prioritisation study's scores and items from the command line,
and its report (also what `export` and `demo` write for a prioritisation round).

Files are read (and refused, with every problem at its line) before the database is touched,
as every import is.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from symphonia.cli.common import ACTOR, console, count, handle_errors, run
from symphonia.cli.study_cmds import RoundArg, StudyArg
from symphonia.cli.usage import Command
from symphonia.composition import Container
from symphonia.interchange import InterchangeError, Issue
from symphonia.interchange.files import write_atomically
from symphonia.interchange.priorities import try_read_priority_items, try_read_priority_scores
from symphonia.reports.archive import EARLIEST
from symphonia.reports.csv_export import write_tables
from symphonia.reports.priority_charts import Chart, priority_charts
from symphonia.reports.priority_csv import priority_csv_files
from symphonia.reports.priority_formats import PriorityFormat, needs_png, render_priorities
from symphonia.services.priority_items import (
    candidate_fragments,
    list_priority_items,
    promote_fragments,
)
from symphonia.services.priority_report import build_priority_report
from symphonia.services.priority_scores import import_priority_scores
from symphonia.services.priority_views import PriorityReport

priorities_app = typer.Typer(
    help="Prioritisation studies: scores, candidate items, reports.", no_args_is_help=True
)

FileArg = Annotated[
    Path, typer.Argument(help="JSONL (one object per line) or CSV file.", metavar="FILE")
]


def write_priority_files(
    report: PriorityReport, charts: tuple[Chart, ...], fmt: PriorityFormat, out: Path | None
) -> list[Path]:
    """Print the report (`out` None; text formats) or write it, with its figures as SVG files
    beside a Markdown report (``<stem>-scores.svg``, ``<stem>-groups.svg``; the other formats
    carry their figures inside); CSV is a directory of tables, or one zip when `out` ends in
    .zip. Returns the files written, the report first."""
    if fmt == "csv" and out is not None and out.suffix.lower() != ".zip":
        return write_tables(priority_csv_files(report), out, EARLIEST)
    written: list[Path] = []
    paths: dict[str, str] = {}
    if fmt == "md" and out is not None:
        for chart in charts:
            target = out.parent / f"{out.stem}-{chart.name}.svg"
            written.append(write_atomically(target, chart.svg))
            paths[chart.name] = target.name
    data = render_priorities(report, charts, fmt, paths)
    if out is None:
        typer.echo(data.decode("utf-8"), nl=False)
        return written
    return [write_atomically(out, data), *written]


async def write_priority_report(
    container: Container, slug: str, number: int, fmt: PriorityFormat, out: Path | None
) -> list[Path]:
    """Build a prioritisation round's report and print or write it (`export` does this)."""
    async with container.session() as session:
        report = await build_priority_report(session, slug, number, actor=ACTOR)
    charts = await asyncio.to_thread(priority_charts, report, needs_png(fmt))
    return await asyncio.to_thread(write_priority_files, report, charts, fmt, out)


@priorities_app.command(
    "import", cls=Command, short_help="Import criterion scores into an open rating round."
)
def scores_import(study: StudyArg, number: RoundArg, file: FileArg) -> None:
    """Import scores ({item, criterion, rater, score}; score null = cannot judge) into an
    open rating round of a prioritisation study; nothing is written if any line is bad."""
    with handle_errors():
        read = try_read_priority_scores(file)
        scores = read.unwrap()

    async def go(container: Container) -> None:
        async with container.session() as session:
            outcome = await import_priority_scores(
                session, study, number, scores, str(file), lines=read.lines, actor=ACTOR
            )
        cannot = sum(1 for s in scores if s.score is None)
        console.print(
            f"imported {count(outcome.imported, 'score')} ({cannot} cannot judge) into round "
            f"{number} of {study!r}"
        )

    run(go)


@priorities_app.command(
    "promote", cls=Command, short_help="Make candidate items from round-1 action fragments."
)
def promote(study: StudyArg, file: FileArg) -> None:
    """Add candidate items made from action fragments: one per line, {id, title,
    description, fragment_ids}; refused once a rating round has opened."""
    with handle_errors():
        read = try_read_priority_items(file)
        items = read.unwrap()
        missing = [
            Issue(line, "fragment_ids", "name the action fragments the item comes from")
            for item, line in zip(items, read.lines, strict=True)
            if not item.fragment_ids
        ]
        if missing:
            raise InterchangeError(str(file), missing)

    async def go(container: Container) -> None:
        async with container.session() as session:
            made = await promote_fragments(
                session, study, items, str(file), lines=read.lines, actor=ACTOR
            )
        console.print(f"added {count(len(made), 'candidate item')} to {study!r}")

    run(go)


@priorities_app.command("candidates", cls=Command, short_help="List promotable action fragments.")
def candidates(study: StudyArg) -> None:
    """List the action fragments of closed contribute rounds, and what was made of them."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            found = await candidate_fragments(session, study, actor=ACTOR)
        for f in found:
            made = f" -> {', '.join(f.promoted_to)}" if f.promoted_to else ""
            who = f" ({f.author}, {f.group})" if f.author else ""
            console.print(f"{f.id} [round {f.round_number}]{who}{made}: {f.text}", markup=False)
        console.print(count(len(found), "action fragment"))

    run(go)


@priorities_app.command("items", cls=Command, short_help="List a study's candidate items.")
def items_list(study: StudyArg) -> None:
    """List the candidate items, in order, with where each came from."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            found = await list_priority_items(session, study, actor=ACTOR)
        for item in found:
            origin = f"from {', '.join(item.fragment_ids)}" if item.fragment_ids else "from file"
            console.print(f"{item.id}: {item.title} ({origin})", markup=False)
        console.print(count(len(found), "candidate item"))

    run(go)
