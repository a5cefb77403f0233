"""Shared machinery of the interchange readers: reading files into records.

Imports are all-or-nothing: a file with one bad line is refused whole, and the user is shown
every problem at once (up to a cap; see :mod:`symphonia.interchange._errors`), each with its
line number and field, so a 500-line file is fixed in one pass rather than fifty. JSON Lines
and CSV are read into the same :class:`RawRecord` shape so the per-format rules are written
once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from symphonia.interchange._errors import (
    MAX_ERRORS,
    Collector,
    Format,
    InterchangeError,
    Issue,
    ReadResult,
)
from symphonia.interchange._fields import json_type
from symphonia.interchange.csvtext import MalformedCsv, csv_rows
from symphonia.interchange.files import read_bytes
from symphonia.interchange.text import NotUtf8, decode_utf8

__all__ = [  # the reporting types live in _errors; these names still work from here
    "MAX_ERRORS",
    "Collector",
    "Format",
    "InterchangeError",
    "Issue",
    "RawRecord",
    "ReadResult",
    "detect_format",
    "iter_records",
    "read_text",
    "read_with",
]

T = TypeVar("T")

_SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
}


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: JSON values, or CSV cells (strings; empty cells left out)."""

    line: int
    values: dict[str, object]
    tabular: bool


def detect_format(path: str | Path) -> Format | None:
    return _SUFFIXES.get(Path(path).suffix.lower())


def read_text(path: str | Path, out: Collector) -> str | None:
    """The file's text (UTF-8, BOM tolerated), or None with the reason recorded."""
    try:
        data = read_bytes(path)
    except FileNotFoundError:
        out.add(None, "(file)", "no such file")
        return None
    except OSError as exc:
        out.add(None, "(file)", f"cannot be read: {exc.strerror or exc}")
        return None
    try:
        return decode_utf8(data)
    except NotUtf8 as exc:
        out.add(exc.line, "(file)", str(exc))
        return None


class Parser(Protocol[T]):
    def __call__(self, text: str, *, file: str, fmt: Format) -> ReadResult[T]: ...


def read_with(path: str | Path, parse: Parser[T]) -> ReadResult[T]:
    """Read a file and parse it in the format its suffix names; never raises for content."""
    out = Collector()
    fmt = detect_format(path)
    if fmt is None:
        suffix = Path(path).suffix
        out.add(None, "(file)", f"unknown file type {suffix!r}; expected .jsonl, .json or .csv")
        return out.result(str(path), [])
    text = read_text(path, out)
    if text is None:
        return out.result(str(path), [])
    return parse(text, file=str(path), fmt=fmt)


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"field {key!r} appears twice in the object")
        seen[key] = value
    return seen


def iter_records(
    text: str, fmt: Format, fields: Sequence[str], required: Sequence[str], out: Collector
) -> Iterator[RawRecord]:
    """Yield well-formed records; record malformed lines, unknown and missing fields."""
    if fmt == "csv":
        yield from _csv_records(text, fields, required, out)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if out.full:
            out.truncated = True
            return
        if not line.strip():
            continue
        try:
            value = json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as exc:
            out.add(number, "(json)", f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            out.add(number, "(json)", "malformed JSON: values nested too deeply")
            continue
        except ValueError as exc:
            out.add(number, "(json)", _json_value_reason(exc))
            continue
        if not isinstance(value, dict):
            out.add(
                number, "(record)", f"expected one JSON object per line, got {json_type(value)}"
            )
            continue
        unknown = [k for k in value if k not in fields]
        for key in unknown:
            out.add(number, key, f"unknown field; allowed fields are {', '.join(fields)}")
        missing = [k for k in required if value.get(k) is None]
        for key in missing:
            reason = "must not be null" if key in value else "required field is missing"
            out.add(number, key, reason)
        if not unknown and not missing:
            yield RawRecord(number, value, tabular=False)


def _json_value_reason(exc: ValueError) -> str:
    """A duplicate key (our hook's message), or Python's refusal of a number of more than
    4,300 digits, which speaks of sys.set_int_max_str_digits: say it in the file's terms."""
    message = str(exc)
    if "integer string conversion" in message:
        return "malformed JSON: a number of thousands of digits; no field takes one"
    return message


def _csv_records(
    text: str, fields: Sequence[str], required: Sequence[str], out: Collector
) -> Iterator[RawRecord]:
    header: list[str] | None = None
    try:
        for line, row in csv_rows(text):
            if out.full:
                out.truncated = True
                return
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                if not _header_ok(header, line, fields, required, out):
                    return
                continue
            if len(row) != len(header):
                out.add(line, "(row)", f"has {len(row)} cells; the header has {len(header)}")
                continue
            values: dict[str, object] = {
                c: v for c, v in zip(header, row, strict=True) if v.strip()
            }
            missing = [k for k in required if k not in values]
            for key in missing:
                out.add(line, key, "required field is missing or empty")
            if not missing:
                yield RawRecord(line, values, tabular=True)
    except MalformedCsv as exc:
        out.add(exc.line, "(csv)", exc.reason)
        return
    if header is None:
        out.add(1, "(header)", f"the file is empty; expected a header row with {', '.join(fields)}")


def _header_ok(
    header: list[str], line: int, fields: Sequence[str], required: Sequence[str], out: Collector
) -> bool:
    before = len(out.errors)
    for i, name in enumerate(header):
        if name not in fields:
            out.add(
                line,
                name or f"(column {i + 1})",
                f"unknown column; allowed are {', '.join(fields)}",
            )
        elif header.index(name) < i:
            out.add(line, name, "column appears twice in the header")
    for name in required:
        if name not in header:
            out.add(line, name, "required column is missing from the header")
    return len(out.errors) == before
