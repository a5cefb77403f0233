"""Read and write the files of a prioritisation study: candidate items and criterion scores.

Candidate items, one per line: ``{"id": "passport", "title": "...", "description": "...",
"fragment_ids": ["f012"]}`` (id and title required).

Scores, one per line, one rater's score of one item on one criterion::

    {"item": "passport", "criterion": "impact", "rater": "E03", "score": 7}
    {"item": "passport", "criterion": "cost", "rater": "E03", "score": null}
    {"item": "passport", "criterion": "cost", "rater": "E03", "cannot_judge": true}

``"score": null`` and ``"cannot_judge": true`` (with no score) both record "cannot judge";
a line with neither a score nor the flag is refused (a forgotten score is not an answer).
CSV files use the same column names: an empty ``score`` cell with ``cannot_judge`` set to
``true``. As with every reader, a file with any problem imports nothing, and each problem
names its line and field; the checks that need the study (items, criteria and their scales,
the panel) are :func:`check_scores_against_study`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from symphonia.core.priorities.definition import Prioritisation, PriorityItem
from symphonia.core.priorities.scores import PriorityScore, score_label, score_problems
from symphonia.interchange._errors import Collector, Format, Issue, ReadResult
from symphonia.interchange._fields import get_id, get_int, get_str, get_str_list, json_type
from symphonia.interchange._records import RawRecord, iter_records, read_with
from symphonia.interchange.writing import write_jsonl

ITEM_FIELDS = ("id", "title", "description", "fragment_ids")
ITEM_REQUIRED = ("id", "title")
SCORE_FIELDS = ("item", "criterion", "rater", "score", "cannot_judge")
SCORE_REQUIRED = ("item", "criterion", "rater")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def parse_priority_items(
    text: str, *, file: str = "<input>", fmt: Format = "jsonl"
) -> ReadResult[PriorityItem]:
    """Parse candidate items; ids must be unique."""
    out = Collector()
    items: list[PriorityItem] = []
    lines: list[int] = []
    first_line: dict[str, int] = {}
    for rec in iter_records(text, fmt, ITEM_FIELDS, ITEM_REQUIRED, out):
        before = len(out.errors)
        iid = get_id(rec, "id", out)
        title = get_str(rec, "title", out, required=True)
        description = get_str(rec, "description", out) or ""
        fragment_ids = get_str_list(rec, "fragment_ids", out)
        if len(out.errors) > before or iid is None or title is None or fragment_ids is None:
            continue
        if iid in first_line:
            out.add(rec.line, "id", f"duplicate id {iid!r}; already used on line {first_line[iid]}")
            continue
        first_line[iid] = rec.line
        items.append(PriorityItem(iid, title, description, fragment_ids))
        lines.append(rec.line)
    out.require_some(items, "candidate items", fmt)
    return out.result(file, items, lines)


def _flag(rec: RawRecord, out: Collector) -> bool | None:
    """The `cannot_judge` flag: a JSON boolean, or true/false (yes/no, 1/0) in a CSV cell."""
    value = rec.values.get("cannot_judge")
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if rec.tabular and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    shown = repr(value) if rec.tabular else json_type(value)
    out.add(rec.line, "cannot_judge", f"must be true or false, got {shown}")
    return None


def _score(rec: RawRecord, out: Collector) -> tuple[bool, int | None]:
    """(ok, score): a whole number, or None for "cannot judge" (null, or the flag)."""
    flag = _flag(rec, out)
    if flag is None:
        return False, None
    present = "score" in rec.values
    if flag:
        if rec.values.get("score") is not None:
            out.add(rec.line, "score", "give a score or cannot_judge = true, not both")
            return False, None
        return True, None
    if not present:
        reason = "required field is missing; a whole number, or null (or cannot_judge: true)"
        if rec.tabular:
            reason = "is empty; write a whole number, or set cannot_judge to true"
        out.add(rec.line, "score", reason)
        return False, None
    if rec.values["score"] is None:
        return True, None  # JSON null: cannot judge
    score = get_int(rec, "score", out, "a whole number (or null for cannot judge)")
    return score is not None, score


def parse_priority_scores(
    text: str, *, file: str = "<input>", fmt: Format = "jsonl"
) -> ReadResult[PriorityScore]:
    """Parse scores; a rater scoring the same item on the same criterion twice is an error."""
    out = Collector()
    scores: list[PriorityScore] = []
    lines: list[int] = []
    first_line: dict[tuple[str, str, str], int] = {}
    for rec in iter_records(text, fmt, SCORE_FIELDS, SCORE_REQUIRED, out):
        item = get_str(rec, "item", out, required=True)
        criterion = get_str(rec, "criterion", out, required=True)
        rater = get_str(rec, "rater", out, required=True)
        ok, score = _score(rec, out)
        if item is None or criterion is None or rater is None or not ok:
            continue
        key = (item, criterion, rater)
        if key in first_line:
            out.add(
                rec.line,
                "item",
                f"{rater!r} already scored item {item!r} on {criterion!r} on line "
                f"{first_line[key]}",
            )
            continue
        first_line[key] = rec.line
        scores.append(PriorityScore(item, criterion, rater, score))
        lines.append(rec.line)
    out.require_some(scores, "scores", fmt)
    return out.result(file, scores, lines)


def try_read_priority_items(path: str | Path) -> ReadResult[PriorityItem]:
    return read_with(path, parse_priority_items)


def try_read_priority_scores(path: str | Path) -> ReadResult[PriorityScore]:
    return read_with(path, parse_priority_scores)


def read_priority_scores(path: str | Path) -> list[PriorityScore]:
    """All scores of a file, or :class:`InterchangeError` listing every problem."""
    return try_read_priority_scores(path).unwrap()


def check_scores_against_study(
    scores: Sequence[PriorityScore],
    definition: Prioritisation,
    known_items: Collection[str],
    known_raters: Collection[str] | None = None,
    *,
    lines: Sequence[int] = (),
    file: str | None = None,
) -> list[Issue]:
    """Unknown items or criteria, scores off a criterion's scale, raters not on the panel;
    each problem at its file and line when `lines` and `file` are given."""
    return [
        Issue(lines[n] if n < len(lines) else None, name, f"{score_label(s)}: {reason}", file)
        for n, s in enumerate(scores)
        for name, reason in score_problems(s, definition, known_items, known_raters)
    ]


def priority_score_to_dict(s: PriorityScore) -> dict[str, Any]:
    return {"item": s.item, "criterion": s.criterion, "rater": s.rater, "score": s.score}


def priority_item_to_dict(item: PriorityItem) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "title": item.title}
    if item.description:
        data["description"] = item.description
    if item.fragment_ids:
        data["fragment_ids"] = list(item.fragment_ids)
    return data


def write_priority_scores_jsonl(path: str | Path, scores: Iterable[PriorityScore]) -> None:
    write_jsonl(path, (priority_score_to_dict(s) for s in scores))
