"""Read and write ratings and the rating items they score (DESIGN.md §6).

Ratings, one per line: ``{"item": "s1", "rater": "E02", "score": 7}``; rating items:
``{"id": "s1", "text": "...", "fragment_ids": ["f1", "f7"], "theme_hint": "optional"}``.
CSV files use the same column names (``fragment_ids`` as one ``;``-separated cell).

The readers check what a file can tell on its own (shape, types, duplicates, no control
characters, not empty). The id rule applies to the ids a file declares (an item's ``id``),
not to its references (a rating's ``item``, an item's ``fragment_ids``): those only have to
name something that exists, and fragments stored before the rule may have ids it refuses.
Whether a score fits the scale, or an item, fragment or rater exists, depends on the study,
so those checks are separate functions the caller runs once it knows the scale, the items
and the panel; given the records' lines and file, their problems name both.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from symphonia.core.fragments import InvalidInput, Rating
from symphonia.core.protocol import RatingScale
from symphonia.core.rating_rules import (
    citation_problems,
    item_label,
    rating_label,
    rating_problems,
)
from symphonia.core.study import RatingItem
from symphonia.interchange._errors import Collector, Format, Issue, ReadResult
from symphonia.interchange._fields import get_id, get_int, get_str, get_str_list
from symphonia.interchange._records import RawRecord, iter_records, read_with
from symphonia.interchange.writing import write_jsonl

RATING_FIELDS = ("item", "rater", "score")
ITEM_FIELDS = ("id", "text", "fragment_ids", "theme_hint")
ITEM_REQUIRED = ("id", "text", "fragment_ids")


def parse_ratings(text: str, *, file: str = "<input>", fmt: Format = "jsonl") -> ReadResult[Rating]:
    """Parse ratings; a rater scoring the same item twice is an error (which one counts?)."""
    out = Collector()
    ratings: list[Rating] = []
    lines: list[int] = []
    first_line: dict[tuple[str, str], int] = {}
    for rec in iter_records(text, fmt, RATING_FIELDS, RATING_FIELDS, out):
        item = get_str(rec, "item", out, required=True)  # a reference: it need only exist
        rater = get_str(rec, "rater", out, required=True)
        score = get_int(rec, "score", out, "a whole number")
        if item is None or rater is None or score is None:
            continue
        key = (item, rater)
        if key in first_line:
            out.add(
                rec.line,
                "item",
                f"{rater!r} already rated item {item!r} on line {first_line[key]}",
            )
            continue
        first_line[key] = rec.line
        ratings.append(Rating(item=item, rater=rater, score=score))
        lines.append(rec.line)
    out.require_some(ratings, "ratings", fmt)
    return out.result(file, ratings, lines)


def parse_rating_items(
    text: str, *, file: str = "<input>", fmt: Format = "jsonl"
) -> ReadResult[RatingItem]:
    """Parse the statements a rating round puts to the panel."""
    out = Collector()
    items: list[RatingItem] = []
    lines: list[int] = []
    first_line: dict[str, int] = {}
    for rec in iter_records(text, fmt, ITEM_FIELDS, ITEM_REQUIRED, out):
        item = _item(rec, out)
        if item is None:
            continue
        if item.id in first_line:
            out.add(
                rec.line,
                "id",
                f"duplicate id {item.id!r}; already used on line {first_line[item.id]}",
            )
            continue
        first_line[item.id] = rec.line
        items.append(item)
        lines.append(rec.line)
    out.require_some(items, "rating items", fmt)
    return out.result(file, items, lines)


def _item(rec: RawRecord, out: Collector) -> RatingItem | None:
    before = len(out.errors)
    iid = get_id(rec, "id", out)
    text = get_str(rec, "text", out, required=True)
    fragment_ids = get_str_list(rec, "fragment_ids", out)
    hint = get_str(rec, "theme_hint", out)
    if fragment_ids is not None:
        for i, fid in enumerate(fragment_ids):  # references: checked against the evidence
            if fid in fragment_ids[:i]:
                out.add(rec.line, f"fragment_ids[{i}]", f"{fid!r} is listed twice")
    if len(out.errors) > before or iid is None or text is None or fragment_ids is None:
        return None
    try:
        return RatingItem(id=iid, text=text, fragment_ids=fragment_ids, theme_hint=hint)
    except InvalidInput as exc:
        out.add(rec.line, exc.field_name, exc.reason)
        return None


def try_read_ratings(path: str | Path) -> ReadResult[Rating]:
    """Read a ratings file; problems come back in the result."""
    return read_with(path, parse_ratings)


def read_ratings(path: str | Path) -> list[Rating]:
    """All ratings of a file, or :class:`InterchangeError` listing every problem."""
    return try_read_ratings(path).unwrap()


def try_read_rating_items(path: str | Path) -> ReadResult[RatingItem]:
    """Read a rating-items file; problems come back in the result."""
    return read_with(path, parse_rating_items)


def read_rating_items(path: str | Path) -> list[RatingItem]:
    """All rating items of a file, or :class:`InterchangeError` listing every problem."""
    return try_read_rating_items(path).unwrap()


def check_ratings_against_scale(
    ratings: Sequence[Rating],
    scale: RatingScale,
    known_items: Collection[str],
    known_raters: Collection[str] | None = None,
    *,
    lines: Sequence[int] = (),
    file: str | None = None,
) -> list[Issue]:
    """Problems only the study can reveal: unknown items or raters, scores off the scale
    (:func:`symphonia.core.rating_rules.rating_problems`, which `ratings import` runs too).

    `lines` (each rating's line, as :attr:`ReadResult.lines` gives them) and `file` say where
    each problem is; without them an issue has no line, and its reason names item and rater.
    """
    return [
        Issue(lines[n] if n < len(lines) else None, name, f"{rating_label(r)}: {reason}", file)
        for n, r in enumerate(ratings)
        for name, reason in rating_problems(r, scale, known_items, known_raters)
    ]


def check_items_against_fragments(
    items: Sequence[RatingItem],
    fragment_ids: Collection[str],
    *,
    lines: Sequence[int] = (),
    file: str | None = None,
    evidence: str = "",
) -> list[Issue]:
    """Every item must cite fragments that exist, or its provenance is broken
    (:func:`symphonia.core.rating_rules.citation_problems`).

    `lines` and `file` place each problem as in :func:`check_ratings_against_scale`;
    `evidence` names where the fragments came from, for the message.
    """
    return [
        Issue(lines[n] if n < len(lines) else None, name, f"{item_label(item)}: {reason}", file)
        for n, item in enumerate(items)
        for name, reason in citation_problems(item, fragment_ids, evidence)
    ]


def rating_to_dict(rating: Rating) -> dict[str, Any]:
    return {"item": rating.item, "rater": rating.rater, "score": rating.score}


def rating_item_to_dict(item: RatingItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "text": item.text,
        "fragment_ids": list(item.fragment_ids),
    }
    if item.theme_hint is not None:
        data["theme_hint"] = item.theme_hint
    return data


def write_ratings_jsonl(path: str | Path, ratings: Iterable[Rating]) -> None:
    write_jsonl(path, (rating_to_dict(r) for r in ratings))


def write_rating_items_jsonl(path: str | Path, items: Iterable[RatingItem]) -> None:
    write_jsonl(path, (rating_item_to_dict(i) for i in items))
