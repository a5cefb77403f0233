"""`symphonia synthesize`, `symphonia export` and `symphonia analysis status`: analyse a
stored round, write its report, follow its runs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal, cast

import typer

from symphonia.cli.analyze_cmd import DrafterName
from symphonia.cli.common import (
    ACTOR,
    console,
    count,
    fail,
    progress_bars,
    run,
    silence_library_progress,
    warn_if_cache_rebuilt,
)
from symphonia.cli.drafting import AllowFallback, drafting_failed, report_drafting
from symphonia.cli.priority_cmds import write_priority_report
from symphonia.cli.study_cmds import RoundArg, StudyArg
from symphonia.cli.usage import Command
from symphonia.composition import Container
from symphonia.core.text_rules import MAX_INTEGER
from symphonia.interchange.files import write_atomically
from symphonia.pipeline.llm import DraftingFailed
from symphonia.reports.csv_export import write_csv
from symphonia.reports.formats import FORMATS, FormatName, render_every_format
from symphonia.reports.priority_formats import PRIORITY_FORMATS, PriorityFormat, priority_file_name
from symphonia.services.analysis import AnalysisOptions, AnalysisOutcome, run_inline
from symphonia.services.exports import build_report
from symphonia.services.priority_report import is_priority_round
from symphonia.services.publishing import publish_version
from symphonia.services.run_views import RunView, list_runs

ExportChoice = Literal[FormatName, "all"]
"""A format, or `all` of them."""

analysis_app = typer.Typer(help="Follow analysis runs.", no_args_is_help=True)


async def synthesize_inline(
    container: Container,
    study: str,
    number: int,
    drafter: str,
    *,
    quiet: bool = False,
    allow_fallback: bool = True,
) -> AnalysisOutcome:
    """Request an analysis of the round and run it here, as a worker would (the same path:
    the run is recorded, claimed, executed with progress, stored once)."""
    # refuse an unusable drafter before anything is written
    container.drafter(drafter, allow_fallback=allow_fallback)
    options = AnalysisOptions(drafter, allow_fallback=allow_fallback)
    with progress_bars(not quiet) as progress:
        how = container.execution(ACTOR)
        return await run_inline(container.sessions, study, number, options, how, progress=progress)


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

    async def go(container: Container) -> None:
        try:
            outcome = await synthesize_inline(
                container, study, number, drafter, quiet=quiet, allow_fallback=allow_fallback
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
        warn_if_cache_rebuilt(container.embedder())

    run(go)


def export(
    study: StudyArg,
    number: RoundArg,
    format: Annotated[
        ExportChoice,
        typer.Option(
            "--format",
            "-f",
            help="html, md, json, csv, docx, pdf or prov; all: every one into the --out folder.",
        ),
    ] = "md",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output file (csv: a directory, or a .zip; all: a folder). "
            "Default: print it (text formats).",
        ),
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(help="Synthesis version (default: the latest).", min=1, max=MAX_INTEGER),
    ] = None,
) -> None:
    """Export a round's synthesis with full provenance: the same report in every format; for a
    rating round of a prioritisation study, its ranked priorities (md, json, html, pdf, docx
    or csv; SVG figures are written beside a Markdown file).

    The same records always give the same bytes, so two exports of a version can be diffed.
    `--format all` writes every format into one folder, named as the reader's downloads are,
    from one reading of the records with each figure drawn once.
    """
    if format == "all":
        if out is None or out.is_file():
            fail("--format all writes several files: give --out FOLDER")
        run(lambda container: _export_all(container, study, number, version, out))
        return
    chosen = FORMATS[format]
    if out is None and not chosen.text:
        fail(f"a {format} export is a binary file: give --out PATH")

    async def go(container: Container) -> None:
        async with container.session() as session:
            priorities = await is_priority_round(session, study, number, actor=ACTOR)
        if priorities:  # issue 13: a prioritisation round has a ranking, not a synthesis
            _refuse_version(study, number, version)
            if format not in PRIORITY_FORMATS:
                fail(
                    f"round {number} of {study!r} ranks priorities: a {format} export describes "
                    f"a synthesis; export it as {', '.join(PRIORITY_FORMATS)}"
                )
            written = await write_priority_report(
                container, study, number, cast(PriorityFormat, format), out
            )
            for path in written:
                console.print(f"wrote {path}")
            return
        async with container.session() as session:
            document = await build_report(session, study, number, version, actor=ACTOR)
        if format == "csv" and out is not None:
            written = await asyncio.to_thread(write_csv, document, out)
            console.print(f"wrote {', '.join(str(p) for p in written)}", markup=False)
            return
        data = await asyncio.to_thread(chosen.render, document)
        if out is None:
            typer.echo(data.decode("utf-8"), nl=False)
            return
        write_atomically(out, data)
        console.print(f"wrote {out}", markup=False)

    run(go)


def _refuse_version(study: str, number: int, version: int | None) -> None:
    """A prioritisation round's report is its ranking, never stored as versions: asking
    for one is a mistake, refused the same way by every export."""
    if version is not None:
        fail(f"round {number} of {study!r} ranks priorities; its report has no versions")


async def _export_all(
    container: Container, study: str, number: int, version: int | None, folder: Path
) -> None:
    """Every format of a round's report into `folder`; a prioritisation round's every
    priority format."""
    async with container.session() as session:
        priorities = await is_priority_round(session, study, number, actor=ACTOR)
    written: list[Path] = []
    if priorities:
        _refuse_version(study, number, version)
        for name in PRIORITY_FORMATS:
            fmt = cast(PriorityFormat, name)
            target = folder / priority_file_name(study, number, fmt)
            written += await write_priority_report(container, study, number, fmt, target)
    else:
        async with container.session() as session:
            document = await build_report(session, study, number, version, actor=ACTOR)
        files = await asyncio.to_thread(render_every_format, document)
        written = [write_atomically(folder / name, data) for name, data in files.items()]
    console.print(f"wrote {', '.join(str(p) for p in written)}", markup=False)


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

    async def go(container: Container) -> None:
        async with container.session() as session:
            done = await publish_version(session, study, number, version, actor=ACTOR)
        console.print(
            f"published version {done.version} of round {number} of {study!r} "
            f"({done.published_at:%Y-%m-%d %H:%M} UTC)"
        )

    run(go)


def _progress(view: RunView) -> str:
    p = view.progress
    if not p:
        return ""
    return f"{p.get('step', '?')} {p.get('done', 0)}/{p.get('total', 0)}"


def _when(view: RunView) -> str:
    moment = view.finished_at or view.heartbeat_at or view.created_at
    return f"{moment:%Y-%m-%d %H:%M:%S}"


@analysis_app.command("status", cls=Command, short_help="Show a round's analysis runs.")
def status(study: StudyArg, number: RoundArg) -> None:
    """Show the analysis runs of a round, newest first: status, progress, version, error."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            runs = await list_runs(session, study, number, actor=ACTOR)
        if not runs:
            console.print(
                f"round {number} of {study!r} has no analysis runs; "
                f"run `symphonia synthesize {study} {number}`"
            )
            return
        for view in runs:  # one line each, whole: ids are for copying
            parts = [f"run {view.id}: {view.status.value}", _when(view)]
            if view.progress and view.status.value in ("running", "pending"):
                parts.append(_progress(view))
            if view.version_number:
                parts.append(f"synthesis version {view.version_number}")
            parts.append(f"attempts {view.attempts}")
            parts.append(f"requested by {view.requested_by or 'unknown'}")
            console.print(", ".join(parts), markup=False)
            if view.error:
                console.print(f"run {view.id} failed: {view.error}", markup=False)
        console.print(count(len(runs), "run"))

    run(go)
