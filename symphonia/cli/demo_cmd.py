"""`symphonia demo`: the demo studies from nothing to reports — what `make run` does.

By default both demos run: the Delphi study `rounds/connected-icb` (themes and a cited
synthesis per round) and the prioritisation study `rounds/connected-icb-priorities` (a ranked
list with intervals, group splits and figures per rating round).

Idempotent: a second run finds the study loaded and its rounds closed, and simply analyses
again (a new synthesis version; the embedding cache makes it quick).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from symphonia.cli.common import (
    ACTOR,
    console,
    handle_errors,
    run,
    settings,
    warn_if_cache_rebuilt,
)
from symphonia.cli.priority_cmds import write_priority_files
from symphonia.cli.report_cmds import synthesize_inline
from symphonia.composition import Container
from symphonia.core.study import RoundDefinition, RoundKind, StudyDefinition, StudyKind
from symphonia.core.themes import Theme
from symphonia.db.enums import RoundStatus
from symphonia.interchange import try_read_fragments, try_read_rating_items, try_read_ratings
from symphonia.interchange.files import write_atomically
from symphonia.interchange.priorities import try_read_priority_scores
from symphonia.reports.formats import FORMATS
from symphonia.reports.priority_charts import priority_charts
from symphonia.services.exports import build_report
from symphonia.services.overview import study_overview
from symphonia.services.priority_report import build_priority_report
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import SourceLines
from symphonia.studyfiles import load_study as read_study_file
from symphonia.studyfiles import round_file


def _records(definition: StudyDefinition, rdef: RoundDefinition) -> RoundRecords:
    """A round's records, read from the files its definition names."""
    if rdef.kind is RoundKind.CONTRIBUTE and rdef.fragments:
        frags = try_read_fragments(round_file(definition, rdef.fragments))
        return RoundRecords(
            fragments=frags.unwrap(), fragments_from=SourceLines(frags.file, frags.lines)
        )
    if rdef.kind is RoundKind.RATE and rdef.scores:
        sheet = try_read_priority_scores(round_file(definition, rdef.scores))
        return RoundRecords(
            priority_scores=sheet.unwrap(),
            priority_scores_from=SourceLines(sheet.file, sheet.lines),
        )
    if rdef.kind is RoundKind.RATE and rdef.ratings:
        items = try_read_rating_items(round_file(definition, rdef.items)) if rdef.items else None
        scores = try_read_ratings(round_file(definition, rdef.ratings))
        return RoundRecords(
            ratings=scores.unwrap(),
            ratings_from=SourceLines(scores.file, scores.lines),
            items=items.unwrap() if items else (),
            items_from=SourceLines(items.file, items.lines) if items else SourceLines(),
        )
    return RoundRecords()


async def _run_schedule(container: Container, definition: StudyDefinition) -> None:
    """Open, fill and close every round still in draft, in order."""
    async with container.session() as session:
        overview = await study_overview(session, definition.id, actor=ACTOR)
    drafts = {r.round.number for r in overview.rounds if r.round.status is RoundStatus.DRAFT}
    for rdef in definition.rounds:
        if rdef.number not in drafts:
            continue
        async with container.session() as session:
            await run_round(
                session, definition.id, rdef.number, _records(definition, rdef), actor=ACTOR
            )
        console.print(f"round {rdef.number} ({rdef.kind.value}): loaded and closed")


DEMO_STUDIES = (Path("rounds/connected-icb"), Path("rounds/connected-icb-priorities"))


def demo(
    study_dir: Annotated[
        list[Path] | None,
        typer.Option(help="A study to run (repeat for several; default: both demo studies)."),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where the reports go.")] = Path("reports"),
) -> None:
    """Run the demo studies end to end on the embedded defaults and write their reports."""
    from symphonia.db.migrate import upgrade

    with handle_errors():
        definitions = [read_study_file(d) for d in study_dir or DEMO_STUDIES]
        upgrade(settings().resolved_database_url)

    async def go(container: Container) -> list[Path]:
        reports = []
        for definition in definitions:
            async with container.session() as session:
                await load_study(session, definition, actor=ACTOR)
            await _run_schedule(container, definition)
            if definition.kind is StudyKind.PRIORITISE:
                reports.append(await _priority_reports(container, definition, out))
            else:
                reports.append(await _synthesize_rounds(container, definition, out))
        warn_if_cache_rebuilt(container.embedder())
        return reports

    for report in run(go):
        console.print(f"Report: {report.resolve()}")


async def _priority_reports(container: Container, definition: StudyDefinition, out: Path) -> Path:
    """Each rating round's ranked priorities, as Markdown (with its figures), JSON and HTML
    (the HTML is the one printed: the report as readers see it)."""
    final = out
    for rdef in definition.rounds:
        if rdef.kind is not RoundKind.RATE:
            continue
        target = out / definition.id / f"round-{rdef.number}"
        async with container.session() as session:
            report = await build_priority_report(session, definition.id, rdef.number, actor=ACTOR)
        charts = await asyncio.to_thread(priority_charts, report)
        for fmt in ("md", "json", "html"):
            path = target.with_suffix(f".{fmt}")
            await asyncio.to_thread(write_priority_files, report, charts, fmt, path)
        top = ", ".join(r.item for r in report.priorities[: report.methods.top])
        console.print(f"round {rdef.number}: top {report.methods.top}: {top}")
        final = target.with_suffix(".html")
    return final


async def _synthesize_rounds(container: Container, definition: StudyDefinition, out: Path) -> Path:
    """Each round analysed and drafted; its report as Markdown, JSON and HTML (the HTML is
    the one printed: the report as readers see it)."""
    final = out
    for rdef in definition.rounds:
        outcome = await synthesize_inline(container, definition.id, rdef.number, "extractive")
        async with container.session() as session:
            document = await build_report(session, definition.id, rdef.number, actor=ACTOR)
        target = out / definition.id / f"round-{rdef.number}"
        for name in ("md", "json", "html"):
            fmt = FORMATS[name]
            data = await asyncio.to_thread(fmt.render, document)
            write_atomically(target.with_name(target.name + fmt.suffix), data)
        result = outcome.result
        console.print(
            f"round {rdef.number}: {len(result.themes)} themes "
            f"({_status_counts(result.themes)}), {len(result.singular_views)} singular views, "
            f"synthesis version {outcome.version_number}"
        )
        final = target.with_name(target.name + ".html")
    return final


def _status_counts(themes: Sequence[Theme]) -> str:
    counts = Counter(t.status.value for t in themes)
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
