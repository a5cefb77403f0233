"""`symphonia analyze`: the stateless path — files in, the §6 result JSON out, no database.

Every input is read and checked before anything is written (the `--out` folder included), and
refused with the same rules the database imports apply: a rating item citing a fragment the
fragments file does not hold is refused here as `ratings import` refuses it there.
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
)
from symphonia.core.fragments import Fragment
from symphonia.core.protocol import Protocol, RatingScale
from symphonia.interchange import (
    InterchangeError,
    try_read_fragments,
    try_read_rating_items,
    try_read_ratings,
)
from symphonia.pipeline.analyze import RatingContext, analyze_round
from symphonia.services.errors import RejectedInput
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
) -> None:
    """Analyse a round from files: themes, consensus/contested/gap, a cited synthesis."""
    if quiet:
        silence_library_progress()
    with handle_errors():
        if scale < 3:
            fail("--scale must be at least 3 points")
        if out.is_dir():
            fail(f"--out {out} is a directory; give a file name")
        try:
            frags = try_read_fragments(fragments).unwrap()
            rating = _rating_context(frags, fragments, ratings, items, scale)
        except InterchangeError as exc:
            raise exc.restated(NOTHING_WRITTEN) from None
        embedder = build_embedder(settings())
        chosen = build_drafter(drafter, settings())
        protocol = Protocol(scale=RatingScale(1, scale))
        with progress_bars(not quiet) as progress:
            result = analyze_round(
                frags,
                embedder,
                protocol=protocol,
                rating=rating,
                drafter=chosen,
                question=question,
                progress=progress,
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")
        flagged = sum(1 for s in result.synthesis.statements if not s.guard.get("ok", True))
        console.print(
            f"{count(len(frags), 'fragment')} → {count(len(result.themes), 'theme')}, "
            f"{count(len(result.singular_views), 'singular view')}; "
            f"{count(len(result.synthesis.statements), 'statement')} ({flagged} flagged). "
            f"Wrote {out}"
        )


def _rating_context(
    frags: Sequence[Fragment],
    source: Path,
    ratings: Path | None,
    items: Path | None,
    scale: int,
) -> RatingContext | None:
    """The ratings and what each rated item stands for; every problem is refused together,
    each naming file and line, with the rules `ratings import` applies to a round."""
    if ratings is None:
        return None
    read = try_read_ratings(ratings)
    scores = read.unwrap()
    item_map = {f.id: [f.id] for f in frags}
    problems: list[str] = []
    if items is not None:
        declared = try_read_rating_items(items)
        for line, item in zip(declared.lines, declared.unwrap(), strict=True):
            unknown = [f for f in item.fragment_ids if f not in item_map]
            if unknown:
                problems.append(
                    f"{items}:{line}: item {item.id!r}: cites fragment(s) not in "
                    f"{source}: {', '.join(unknown[:5])}"
                )
        item_map.update({i.id: list(i.fragment_ids) for i in declared.records})
    rating_scale = RatingScale(1, scale)
    for line, r in zip(read.lines, scores, strict=True):
        where = f"{ratings}:{line}: rating ({r.rater} on {r.item!r})"
        if r.item not in item_map:
            problems.append(f"{where}: unknown item {r.item!r}")
        if not rating_scale.contains(r.score):
            problems.append(f"{where}: score {r.score} is outside the scale 1–{scale}")
    if problems:
        raise RejectedInput(f"{NOTHING_WRITTEN}: {len(problems)} problem(s)", problems)
    groups = {f.author: f.group for f in frags if f.group}
    return RatingContext(scores, item_map, groups)
