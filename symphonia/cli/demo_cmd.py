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
    db_session,
    handle_errors,
    progress_bars,
    run,
    settings,
    warn_if_cache_rebuilt,
)
from symphonia.core.study import RoundKind, StudyDefinition
from symphonia.core.themes import Theme
from symphonia.db.enums import RoundStatus
from symphonia.interchange import try_read_fragments, try_read_rating_items, try_read_ratings
from symphonia.interchange.files import write_atomically
from symphonia.reports.json_report import render_json
from symphonia.reports.markdown import render_markdown
from symphonia.services.analysis import analyse_round
from symphonia.services.exports import build_report
from symphonia.services.lookup import get_round, get_study
from symphonia.services.providers import build_drafter, build_embedder
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import SourceLines, import_fragments, import_ratings
from symphonia.studyfiles import load_study as read_study_file
from symphonia.studyfiles import round_file


async def _run_schedule(definition: StudyDefinition) -> None:
    """Open, fill and close every round still in draft, in order."""
    for rdef in definition.rounds:
        async with db_session() as session:
            rnd = await get_round(session, await get_study(session, definition.id), rdef.number)
            if rnd.status is not RoundStatus.DRAFT:
                continue
            await session.commit()
            async with session.begin():
                await open_round(session, definition.id, rdef.number, ACTOR)
                if rdef.kind is RoundKind.CONTRIBUTE and rdef.fragments:
                    path = round_file(definition, rdef.fragments)
                    frags = try_read_fragments(path)
                    await import_fragments(
                        session,
                        definition.id,
                        rdef.number,
                        frags.unwrap(),
                        ACTOR,
                        str(path),
                        lines=frags.lines,
                    )
                if rdef.kind is RoundKind.RATE and rdef.ratings:
                    items = (
                        try_read_rating_items(round_file(definition, rdef.items))
                        if rdef.items
                        else None
                    )
                    path = round_file(definition, rdef.ratings)
                    scores = try_read_ratings(path)
                    await import_ratings(
                        session,
                        definition.id,
                        rdef.number,
                        scores.unwrap(),
                        ACTOR,
                        items.unwrap() if items else [],
                        str(path),
                        lines=scores.lines,
                        items_from=SourceLines(items.file, items.lines) if items else SourceLines(),
                    )
                await close_round(session, definition.id, rdef.number, ACTOR)
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

    async def go() -> Path:
        async with db_session() as session:
            await load_study(session, definition, ACTOR)
        await _run_schedule(definition)
        embedder = build_embedder(settings())
        warn_if_cache_rebuilt(embedder)
        drafter = build_drafter("extractive", settings())
        final = out
        for rdef in definition.rounds:
            async with db_session() as session:
                with progress_bars() as progress:
                    outcome = await analyse_round(
                        session, definition.id, rdef.number, embedder, drafter, ACTOR, progress
                    )
                document = await build_report(session, definition.id, rdef.number)
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
        return final

    report = run(go())
    console.print(f"Report: {report.resolve()}")


def _status_counts(themes: Sequence[Theme]) -> str:
    counts = Counter(t.status.value for t in themes)
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
