"""`symphonia analyze`: the stateless path — files in, the §6 result JSON out, no database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from symphonia.cli.common import console, count, fail, handle_errors, progress_bars, settings
from symphonia.core.protocol import Protocol, RatingScale
from symphonia.interchange import read_fragments, read_rating_items, read_ratings
from symphonia.pipeline.analyze import RatingContext, analyze_round
from symphonia.services.providers import build_drafter, build_embedder


def analyze(
    fragments: Annotated[
        Path, typer.Argument(help="Fragments file: JSONL (one object per line) or CSV.")
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
        str, typer.Option(help="extractive (default, offline) or llm (needs an endpoint).")
    ] = "extractive",
    question: Annotated[
        str | None, typer.Option(help="The round's question, for the draft.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Analyse a round from files: themes, consensus/contested/gap, a cited synthesis."""
    with handle_errors():
        if scale < 3:
            fail("--scale must be at least 3 points")
        if out.is_dir():
            fail(f"--out {out} is a directory; give a file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        frags = read_fragments(fragments)
        rating = None
        if ratings is not None:
            scores = read_ratings(ratings)
            rating_scale = RatingScale(1, scale)
            bad = [r for r in scores if not rating_scale.contains(r.score)]
            if bad:
                fail(
                    f"{ratings}: score {bad[0].score} of {bad[0].rater} on {bad[0].item!r} "
                    f"is outside the scale 1–{scale} ({len(bad)} rating(s) out of range)"
                )
            item_map = {f.id: [f.id] for f in frags}
            if items is not None:
                item_map.update({i.id: list(i.fragment_ids) for i in read_rating_items(items)})
            unknown = sorted({r.item for r in scores} - set(item_map))
            if unknown:
                fail(f"{ratings}: rating(s) for unknown item(s): {', '.join(unknown[:10])}")
            groups = {f.author: f.group for f in frags if f.group}
            rating = RatingContext(scores, item_map, groups)
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
