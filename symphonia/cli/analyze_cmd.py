"""`symphonia analyze`: the stateless path — files in, the §6 result JSON out, no database.

Every input is read and checked before anything is written (the `--out` folder included), and
refused with the same rules the database imports apply: a rating item citing a fragment the
fragments file does not hold is refused here as `ratings import` refuses it there. All the
files are read before anything is refused, so one refusal lists the problems of every file,
each with its file and line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import typer

from symphonia.cli.common import (
    console,
    count,
    fail,
    handle_errors,
    progress_bars,
    settings,
    silence_library_progress,
    warn_if_cache_rebuilt,
)
from symphonia.cli.drafting import AllowFallback, drafting_failed, report_drafting
from symphonia.core.fragments import Fragment, Rating
from symphonia.core.protocol import MAX_SCALE_POINTS, Protocol, RatingScale
from symphonia.core.study import RatingItem
from symphonia.core.text_rules import clip
from symphonia.interchange import (
    MAX_ERRORS,
    InterchangeError,
    Issue,
    ReadResult,
    check_items_against_fragments,
    check_ratings_against_scale,
    try_read_fragments,
    try_read_rating_items,
    try_read_ratings,
)
from symphonia.interchange.files import write_atomically
from symphonia.pipeline.analyze import RatingContext, analyze_round
from symphonia.pipeline.llm import DraftingFailed
from symphonia.services.providers import build_drafter, build_embedder

DrafterName = Literal["extractive", "llm"]
"""The drafters `build_drafter` knows (`symphonia.pipeline.llm.DRAFTERS`)."""

NOTHING_WRITTEN = "nothing was written"


def analyze(
    fragments: Annotated[
        Path,
        typer.Argument(
            help="Fragments file: JSONL (one object per line) or CSV.", metavar="FRAGMENTS"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the result JSON.")],
    ratings: Annotated[
        Path | None, typer.Option(help="Ratings JSONL/CSV: {item, rater, score} per line.")
    ] = None,
    items: Annotated[
        Path | None,
        typer.Option(
            help="Rating items JSONL ({id, text, fragment_ids}); else items are fragments."
        ),
    ] = None,
    scale: Annotated[int, typer.Option(help="Points on the rating scale (9 means 1–9).")] = 9,
    drafter: Annotated[
        DrafterName, typer.Option(help="extractive (offline) or llm (needs an endpoint).")
    ] = "extractive",
    question: Annotated[
        str | None, typer.Option(help="The round's question, for the draft.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    allow_fallback: AllowFallback = False,
) -> None:
    """Analyse a round from files: themes, consensus/contested/gap, a cited synthesis."""
    if quiet:
        silence_library_progress()
    with handle_errors():
        if not 3 <= scale <= MAX_SCALE_POINTS:
            fail(f"--scale must be from 3 to {MAX_SCALE_POINTS} points, got {clip(str(scale))}")
        if out.is_dir():
            fail(f"--out {out} is a directory; give a file name")
        if items is not None and ratings is None:
            fail(
                "--items needs --ratings: rating items say what the ratings score, "
                "so give the ratings file too (or leave out --items)"
            )
        frags, rating = _read_inputs(fragments, ratings, items, RatingScale(1, scale))
        embedder = build_embedder(settings())
        chosen = build_drafter(drafter, settings(), allow_fallback=allow_fallback)
        protocol = Protocol(scale=RatingScale(1, scale))
        with progress_bars(not quiet) as progress:
            try:
                result = analyze_round(
                    frags,
                    embedder,
                    protocol=protocol,
                    rating=rating,
                    drafter=chosen,
                    question=question,
                    progress=progress,
                )
            except DraftingFailed as exc:
                drafting_failed(exc, f"{out} was not written")
        write_atomically(out, json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        flagged = sum(1 for s in result.synthesis.statements if not s.guard.get("ok", True))
        console.print(
            f"{count(len(frags), 'fragment')} → {count(len(result.themes), 'theme')}, "
            f"{count(len(result.singular_views), 'singular view')}; "
            f"{count(len(result.synthesis.statements), 'statement')} ({flagged} flagged). "
            f"Wrote {out}"
        )
        report_drafting(result.synthesis.meta)
        warn_if_cache_rebuilt(embedder)


def _read_inputs(
    fragments: Path, ratings: Path | None, items: Path | None, scale: RatingScale
) -> tuple[list[Fragment], RatingContext | None]:
    """The fragments and the rating context, or one :class:`InterchangeError` listing every
    problem of every file (each with file and line), checked with the rules `ratings import`
    applies to a round: ratings score known items on the scale, items cite known fragments."""
    read_frags = try_read_fragments(fragments)
    read_scores = try_read_ratings(ratings) if ratings is not None else None
    read_items = try_read_rating_items(items) if items is not None else None
    reads: list[ReadResult[Fragment] | ReadResult[Rating] | ReadResult[RatingItem]] = [
        r for r in (read_frags, read_scores, read_items) if r is not None
    ]
    _refuse([i for r in reads for i in r.issues], any(r.truncated for r in reads))
    frags = read_frags.records
    if read_scores is None:
        return frags, None
    item_map = {f.id: [f.id] for f in frags}
    problems: list[Issue] = []
    if read_items is not None:
        problems += check_items_against_fragments(
            read_items.records,
            item_map,
            lines=read_items.lines,
            file=read_items.file,
            evidence=read_frags.file,
        )
        item_map.update({i.id: list(i.fragment_ids) for i in read_items.records})
    problems += check_ratings_against_scale(
        read_scores.records, scale, item_map, lines=read_scores.lines, file=read_scores.file
    )
    _refuse(problems[:MAX_ERRORS], len(problems) > MAX_ERRORS)
    groups = {f.author: f.group for f in frags if f.group}
    return frags, RatingContext(read_scores.records, item_map, groups)


def _refuse(issues: Sequence[Issue], truncated: bool) -> None:
    if issues:
        raise InterchangeError.across(issues, truncated, NOTHING_WRITTEN)
