"""The rating form's fields, read and written: one radio group (`score:ITEM`) and comment
(`comment:ITEM`) per statement, or one select per cell (`score:ITEM:CRITERION`) of a
prioritisation study's matrix. "cannot_judge" is the value of the "cannot judge" choice; an
empty value is a question not answered yet (left as it is, never stored as an answer).

Field names carry the item ids, which the id rule keeps to letters, digits and ``._-``, so
they are usable as HTML ids and fragment links too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from symphonia.core.errors import RejectedInput
from symphonia.services.priority_scores import ScoreEntry
from symphonia.services.priority_sheet import PrioritySheet
from symphonia.services.rating_entry import RatingEntry
from symphonia.services.rating_sheet import Answer, RatingSheet
from symphonia.web.charts import BarChart, distribution_chart
from symphonia.web.forms import MAX_FIELD_CHARS, FormState

CANNOT_JUDGE = "cannot_judge"


def score_name(item: str, criterion: str | None = None) -> str:
    return f"score:{item}" if criterion is None else f"score:{item}:{criterion}"


def comment_name(item: str) -> str:
    return f"comment:{item}"


def _text(data: Mapping[str, Any], name: str) -> str:
    raw = data.get(name, "")
    if isinstance(raw, list):
        raw = raw[-1] if raw else ""
    return str(raw).replace("\r\n", "\n").strip()


def _score(raw: str) -> int | None:
    """The score chosen (None: cannot judge); ValueError for anything else."""
    if raw == CANNOT_JUDGE:
        return None
    return int(raw)


def _shown(score: int | None) -> str:
    return CANNOT_JUDGE if score is None else str(score)


def sheet_values(sheet: RatingSheet) -> dict[str, str]:
    """The form as the expert left it: their stored answers."""
    values: dict[str, str] = {}
    for item in sheet.items:
        if item.mine is not None:
            values[score_name(item.id)] = _shown(item.mine.score)
            values[comment_name(item.id)] = item.mine.comment or ""
    return values


def matrix_values(sheet: PrioritySheet) -> dict[str, str]:
    return {
        score_name(item, criterion): _shown(score)
        for item, cells in sheet.mine.items()
        for criterion, score in cells.items()
    }


def sheet_entries(
    sheet: RatingSheet, data: Mapping[str, Any], only: str | None
) -> tuple[FormState, list[RatingEntry]]:
    """The answers sent for every item (`only`: for that item), and errors for the fields
    that are no answer at all. An item with neither a score nor a comment is skipped."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    entries: list[RatingEntry] = []
    for item in sheet.items:
        if only is not None and item.id != only:
            continue
        name, note = score_name(item.id), comment_name(item.id)
        raw, comment = _text(data, name), _text(data, note)
        values[name], values[note] = raw, comment
        if len(comment) > MAX_FIELD_CHARS:
            errors[note] = f"This is too long: at most {MAX_FIELD_CHARS:,} characters"
        elif not raw and comment:
            errors[name] = "Choose a score or “cannot judge” so that your comment is saved"
        elif raw:
            try:
                entries.append(RatingEntry(item.id, Answer(_score(raw), comment or None)))
            except ValueError:
                errors[name] = "Choose one of the scores, or “cannot judge”"
    return FormState(MappingProxyType(values), MappingProxyType(errors)), entries


def matrix_entries(
    sheet: PrioritySheet, data: Mapping[str, Any], only: str | None
) -> tuple[FormState, list[ScoreEntry]]:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    entries: list[ScoreEntry] = []
    for item in sheet.items:
        if only is not None and item.id != only:
            continue
        for criterion in sheet.criteria:
            name = score_name(item.id, criterion.id)
            raw = values[name] = _text(data, name)
            if not raw:
                continue
            try:
                entries.append(ScoreEntry(item.id, criterion.id, _score(raw)))
            except ValueError:
                errors[name] = "Choose one of the scores, or “cannot judge”"
    return FormState(MappingProxyType(values), MappingProxyType(errors)), entries


def with_problems(form: FormState, refused: RejectedInput) -> FormState:
    """The services' problems beside the answers they name (an item, or an item/criterion
    cell); one that names no answer is put on the first field, so none is lost."""
    errors: dict[str, str] = {}
    first = next(iter(form.values), "ratings")
    for p in refused.problems:
        item, _, criterion = p.location.partition("/")
        name = comment_name(item) if p.field == "comment" else score_name(item, criterion or None)
        if name not in form.values:
            name = first
        reason = p.reason[:1].upper() + p.reason[1:]
        errors[name] = f"{errors[name]}; {reason}" if name in errors else reason
    return form.with_errors(errors)


def charts_for_sheet(sheet: RatingSheet) -> dict[str, BarChart]:
    """The panel's previous-round distribution of each item that has one, by item id."""
    return {
        item.id: distribution_chart(
            f"chart-{n}",
            f"Round {item.feedback.round}: the panel's ratings of this statement",
            item.feedback.panel.counts,
            item.feedback.panel.cannot_judge,
        )
        for n, item in enumerate(sheet.items, start=1)
        if item.feedback is not None
    }


def charts_for_matrix(sheet: PrioritySheet) -> dict[str, BarChart]:
    """Each cell's previous-round distribution, by ``item:criterion``."""
    names = {c.id: c.name for c in sheet.criteria}
    before = sheet.previous_round
    return {
        f"{item}:{criterion}": distribution_chart(
            f"chart-{n}-{m}",
            f"Round {before}: the panel's scores on {names.get(criterion, criterion)}",
            d.counts,
            d.cannot_judge,
        )
        for n, (item, cells) in enumerate(sorted(sheet.feedback.items()), start=1)
        for m, (criterion, d) in enumerate(sorted(cells.items()), start=1)
    }
