"""Read and write evidence fragments in the DESIGN.md §6 interchange format.

JSON Lines (``.jsonl``, ``.json``, ``.ndjson``), one object per line::

    {"id": "f1", "author": "E01", "kind": "claim", "text": "...", "confidence": 4,
     "group": "clinician", "question": "optional topic", "sources": []}

or CSV with a header row of the same column names, ``sources`` as one ``;``-separated cell.
Required: id, author, kind, text. Confidence defaults to 3. Text is kept exactly as written
(no trimming): the synthesis quotes contributors, so it must not alter their words.
Ids follow the study-id rule (letters, digits, ``_ - .``; they become report anchors), and no
field may hold control characters other than tab, newline and carriage return. An empty file
is refused: it holds no fragments to import.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from symphonia.core.fragments import (
    MAX_CONFIDENCE,
    MAX_TEXT_CHARS,
    MIN_CONFIDENCE,
    Fragment,
    FragmentKind,
    InvalidInput,
    parse_kind,
)
from symphonia.core.text_rules import unusable_character
from symphonia.interchange._errors import Collector, Format, ReadResult
from symphonia.interchange._fields import get_id, get_int, get_str, get_str_list
from symphonia.interchange._records import RawRecord, iter_records, read_with
from symphonia.interchange.writing import write_jsonl

FRAGMENT_FIELDS = ("id", "author", "kind", "text", "confidence", "group", "question", "sources")
FRAGMENT_REQUIRED = ("id", "author", "kind", "text")
DEFAULT_CONFIDENCE = 3


def parse_fragments(
    text: str, *, file: str = "<input>", fmt: Format = "jsonl"
) -> ReadResult[Fragment]:
    """Parse fragments from text (an upload, say); never raises for bad content."""
    out = Collector()
    fragments: list[Fragment] = []
    lines: list[int] = []
    first_line: dict[str, int] = {}
    for rec in iter_records(text, fmt, FRAGMENT_FIELDS, FRAGMENT_REQUIRED, out):
        fragment = _fragment(rec, out)
        if fragment is None:
            continue
        if fragment.id in first_line:
            out.add(
                rec.line,
                "id",
                f"duplicate id {fragment.id!r}; already used on line {first_line[fragment.id]}",
            )
            continue
        first_line[fragment.id] = rec.line
        fragments.append(fragment)
        lines.append(rec.line)
    out.require_some(fragments, "fragments", fmt)
    return out.result(file, fragments, lines)


def try_read_fragments(path: str | Path) -> ReadResult[Fragment]:
    """Read a fragments file, dispatching on its suffix; problems come back in the result."""
    return read_with(path, parse_fragments)


def read_fragments(path: str | Path) -> list[Fragment]:
    """All fragments of a file, or :class:`InterchangeError` listing every problem."""
    return try_read_fragments(path).unwrap()


def _fragment(rec: RawRecord, out: Collector) -> Fragment | None:
    before = len(out.errors)
    fid = get_id(rec, "id", out)
    author = get_str(rec, "author", out, required=True)
    kind: FragmentKind | None = None
    try:
        kind = parse_kind(rec.values["kind"])
    except InvalidInput as exc:
        out.add(rec.line, exc.field_name, exc.reason)
    text = _text(rec, out)
    confidence = _confidence(rec, out)
    group = get_str(rec, "group", out)
    question = get_str(rec, "question", out)
    sources = get_str_list(rec, "sources", out)
    if (
        len(out.errors) > before
        or fid is None
        or author is None
        or kind is None
        or text is None
        or confidence is None
        or sources is None
    ):
        return None
    try:
        return Fragment(fid, author, kind, text, confidence, group, question, sources)
    except InvalidInput as exc:  # the core's own rules, should they ever be stricter
        out.add(rec.line, exc.field_name, exc.reason)
        return None


def _text(rec: RawRecord, out: Collector) -> str | None:
    value = rec.values["text"]
    if not isinstance(value, str):
        return get_str(rec, "text", out, required=True)
    if not value.strip():
        out.add(rec.line, "text", "must not be empty")
        return None
    if len(value) > MAX_TEXT_CHARS:
        out.add(rec.line, "text", f"is {len(value)} characters long; the limit is {MAX_TEXT_CHARS}")
        return None
    if (reason := unusable_character(value)) is not None:
        out.add(rec.line, "text", reason)
        return None
    return value


def _confidence(rec: RawRecord, out: Collector) -> int | None:
    if rec.values.get("confidence") is None:
        return DEFAULT_CONFIDENCE
    expected = f"a whole number from {MIN_CONFIDENCE} to {MAX_CONFIDENCE}"
    value = get_int(rec, "confidence", out, expected)
    if value is not None and not MIN_CONFIDENCE <= value <= MAX_CONFIDENCE:
        out.add(
            rec.line,
            "confidence",
            f"is {value}; it must be from {MIN_CONFIDENCE} to {MAX_CONFIDENCE}",
        )
        return None
    return value


def fragment_to_dict(fragment: Fragment) -> dict[str, Any]:
    """The §6 object for a fragment; optional fields are left out when unset."""
    data: dict[str, Any] = {
        "id": fragment.id,
        "author": fragment.author,
        "kind": fragment.kind.value,
        "text": fragment.text,
        "confidence": fragment.confidence,
    }
    if fragment.group is not None:
        data["group"] = fragment.group
    if fragment.question is not None:
        data["question"] = fragment.question
    data["sources"] = list(fragment.sources)
    return data


def write_fragments_jsonl(path: str | Path, fragments: Iterable[Fragment]) -> None:
    """Write fragments as JSON Lines (atomically: readers never see half a file)."""
    write_jsonl(path, (fragment_to_dict(f) for f in fragments))
