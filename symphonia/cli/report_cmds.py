"""`symphonia synthesize` and `symphonia export`: analyse a stored round, write its report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from symphonia.cli.analyze_cmd import DrafterName
from symphonia.cli.common import (
    ACTOR,
    console,
    db_session,
    progress_bars,
    run,
    settings,
    silence_library_progress,
    warn_if_cache_rebuilt,
)
from symphonia.cli.drafting import AllowFallback, drafting_failed, report_drafting
from symphonia.cli.study_cmds import RoundArg, StudyArg
from symphonia.core.text_rules import MAX_INTEGER
from symphonia.interchange.files import write_atomically
from symphonia.pipeline.llm import DraftingFailed
from symphonia.reports.json_report import render_json
from symphonia.reports.markdown import render_markdown
from symphonia.services.analysis import analyse_round
from symphonia.services.exports import build_report
from symphonia.services.providers import build_drafter, build_embedder
from symphonia.services.publishing import publish_version

ReportFormat = Literal["json", "md"]


def synthesize(
    study: StudyArg,
    number: RoundArg,
    drafter: Annotated[
        DrafterName, typer.Option(help="extractive (offline) or llm (needs an endpoint).")
    ] = "extractive",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    allow_fallback: AllowFallback = False,
) -> None:
    """Analyse a round (themes, classification, guarded draft) and store a new version."""
    if quiet:
        silence_library_progress()

    async def go() -> None:
        chosen = build_drafter(drafter, settings(), allow_fallback=allow_fallback)
        embedder = build_embedder(settings())
        async with db_session() as session:
            with progress_bars(not quiet) as progress:
                try:
                    outcome = await analyse_round(
                        session, study, number, embedder, chosen, ACTOR, progress
                    )
                except DraftingFailed as exc:
                    drafting_failed(exc, "No synthesis version was stored")
        result = outcome.result
        flagged = sum(1 for s in result.synthesis.statements if not s.guard.get("ok", True))
        console.print(
            f"round {number} of {study!r}: {len(result.themes)} themes, "
            f"{len(result.singular_views)} singular views, "
            f"{len(result.synthesis.statements)} statements ({flagged} flagged for the editor); "
            f"stored as synthesis version {outcome.version_number}"
        )
        report_drafting(result.synthesis.meta)
        warn_if_cache_rebuilt(embedder)

    run(go())


def export(
    study: StudyArg,
    number: RoundArg,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="JSON or Markdown.")
    ] = "md",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default: print it).")
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(help="Synthesis version (default: the latest).", min=1, max=MAX_INTEGER),
    ] = None,
) -> None:
    """Export a round's synthesis with full provenance, as JSON or Markdown."""

    async def go() -> None:
        async with db_session() as session:
            document = await build_report(session, study, number, version)
        text = render_json(document) if format == "json" else render_markdown(document)
        if out is None:
            typer.echo(text, nl=False)
            return
        write_atomically(out, text)
        console.print(f"wrote {out}")

    run(go())


def publish(
    study: StudyArg,
    number: RoundArg,
    version: Annotated[
        int | None,
        typer.Option(help="Synthesis version (default: the latest).", min=1, max=MAX_INTEGER),
    ] = None,
) -> None:
    """Publish a round's synthesis version: it becomes the round's public record.

    Every stored version is already frozen; publishing records when and by whom, once.
    """

    async def go() -> None:
        async with db_session() as session:
            done = await publish_version(session, study, number, version, actor=ACTOR)
        console.print(
            f"published version {done.version} of round {number} of {study!r} "
            f"({done.published_at:%Y-%m-%d %H:%M} UTC)"
        )

    run(go())
