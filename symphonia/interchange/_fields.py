"""Typed access to a record's fields, with messages in JSON terms rather than Python ones."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from symphonia.core.text_rules import clip, id_problem, unusable_character

if TYPE_CHECKING:
    from symphonia.interchange._errors import Collector
    from symphonia.interchange._records import RawRecord

_INTEGER = re.compile(r"^[+-]?\d+$")
MAX_INT_DIGITS = 18
"""Whole numbers in records are confidences and scores: a handful of digits. Longer ones are
refused by length, before int() is asked to convert (it refuses past 4,300 digits with a
message about Python), and never quoted whole in a message."""


def json_type(value: object) -> str:
    """The JSON name of a value's type, for messages a non-Python user understands."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def get_str(rec: RawRecord, name: str, out: Collector, *, required: bool = False) -> str | None:
    """A string field; empty strings count as absent for optional fields."""
    value = rec.values.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        out.add(rec.line, name, f"must be a string, got {json_type(value)}")
        return None
    if not value.strip():
        if required:
            out.add(rec.line, name, "must not be empty")
        return None
    if (reason := unusable_character(value)) is not None:
        out.add(rec.line, name, reason)
        return None
    return value


def get_id(rec: RawRecord, name: str, out: Collector) -> str | None:
    """A required id the record *declares* (a new fragment's or item's): it must follow
    :data:`~symphonia.core.text_rules.ID_RULE`. Fields that *refer* to an id are read with
    :func:`get_str` instead: they need only name something that exists, which may predate
    the rule (a fragment stored as ``F 12``)."""
    value = get_str(rec, name, out, required=True)
    if value is None:
        return None
    if (reason := id_problem(value)) is not None:
        out.add(rec.line, name, reason)
        return None
    return value


def get_int(rec: RawRecord, name: str, out: Collector, expected: str) -> int | None:
    """A whole number: JSON integers (not booleans, not 4.0), or CSV cells of digits."""
    value = rec.values.get(name)
    if value is None:
        return None
    if rec.tabular and isinstance(value, str) and _INTEGER.match(value.strip()):
        digits = len(value.strip().lstrip("+-"))
        if digits <= MAX_INT_DIGITS:
            return int(value)
        out.add(rec.line, name, f"must be {expected}, got a number {digits} digits long")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) < 10**MAX_INT_DIGITS:
            return value
        out.add(
            rec.line, name, f"must be {expected}, got a number {len(str(abs(value)))} digits long"
        )
        return None
    if rec.tabular:
        got = clip(repr(value))
    else:
        try:
            got = f"{json_type(value)} {clip(json.dumps(value, ensure_ascii=False))}"
        except RecursionError:
            got = f"a deeply nested {json_type(value)}"
    out.add(rec.line, name, f"must be {expected}, got {got}")
    return None


def get_str_list(rec: RawRecord, name: str, out: Collector) -> tuple[str, ...] | None:
    """A list of non-empty strings: a JSON array, or a ';'-separated CSV cell."""
    value = rec.values.get(name)
    if value is None:
        return ()
    if rec.tabular and isinstance(value, str):
        parts = tuple(part.strip() for part in value.split(";") if part.strip())
        for part in parts:
            if (reason := unusable_character(part)) is not None:
                out.add(rec.line, name, reason)
                return None
        return parts
    if not isinstance(value, list):
        out.add(rec.line, name, f"must be a list of strings, got {json_type(value)}")
        return None
    ok = True
    for i, item in enumerate(value):
        if not isinstance(item, str):
            out.add(rec.line, f"{name}[{i}]", f"must be a string, got {json_type(item)}")
            ok = False
        elif not item.strip():
            out.add(rec.line, f"{name}[{i}]", "must not be empty")
            ok = False
        elif (reason := unusable_character(item)) is not None:
            out.add(rec.line, f"{name}[{i}]", reason)
            ok = False
    return tuple(value) if ok else None
