"""`symphonia demo`: the demo study from nothing to reports — what `make run` does.

Idempotent: a second run finds the study loaded and its rounds closed, and simply analyses
again (a new synthesis version; the embedding cache makes it quick).
"""

from __future__ import annotations

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
from symphonia.cli.report_cmds import synthesize_inline
from symphonia.composition import Container
from symphonia.core.study import RoundDefinition, RoundKind, StudyDefinition
from symphonia.core.themes import Theme
from symphonia.db.enums import RoundStatus
from symphonia.interchange import try_read_fragments, try_read_rating_items, try_read_ratings
from symphonia.interchange.files import write_atomically
from symphonia.reports.json_report import render_json
from symphonia.reports.markdown import render_markdown
from symphonia.services.exports import build_report
from symphonia.services.overview import study_overview
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


def demo(
    study_dir: Annotated[Path, typer.Option(help="The study to run.")] = Path(
        "rounds/connected-icb"
    ),
    out: Annotated[Path, typer.Option(help="Where the reports go.")] = Path("reports"),
) -> None:
    """Run the demo study end to end on the embedded defaults and write its reports."""
    from symphonia.db.migrate import upgrade

    with handle_errors():
        definition = read_study_file(study_dir)
        upgrade(settings().resolved_database_url)

    async def go(container: Container) -> Path:
        async with container.session() as session:
            await load_study(session, definition, actor=ACTOR)
        await _run_schedule(container, definition)
        final = out
        for rdef in definition.rounds:
            outcome = await synthesize_inline(container, definition.id, rdef.number, "extractive")
            async with container.session() as session:
                document = await build_report(session, definition.id, rdef.number, actor=ACTOR)
            target = out / definition.id / f"round-{rdef.number}"
            write_atomically(target.with_suffix(".md"), render_markdown(document))
            write_atomically(target.with_suffix(".json"), render_json(document))
            result = outcome.result
            console.print(
                f"round {rdef.number}: {len(result.themes)} themes "
                f"({_status_counts(result.themes)}), {len(result.singular_views)} singular views, "
                f"synthesis version {outcome.version_number}"
            )
            final = target.with_suffix(".md")
        warn_if_cache_rebuilt(container.embedder())
        return final

    report = run(go)
    console.print(f"Report: {report.resolve()}")


def _status_counts(themes: Sequence[Theme]) -> str:
    counts = Counter(t.status.value for t in themes)
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
