"""The files of a Polis export as rows with their line numbers, and the refusals they make.

A Polis export is CSV written by a third party, so every problem with the files themselves
(missing, not UTF-8, malformed, a required column absent) names the file and the line. What
the rows mean is :mod:`symphonia.polis`'s business.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from symphonia.core.text_rules import clip
from symphonia.interchange import InterchangeError, Issue
from symphonia.interchange.csvtext import MalformedCsv
from symphonia.interchange.csvtext import csv_rows as _strict_rows
from symphonia.interchange.files import read_bytes
from symphonia.interchange.text import NotUtf8, decode_utf8


class PolisExportError(InterchangeError):
    """A Polis export that cannot be imported; ``errors`` lists (line, column, reason)."""


@dataclass(slots=True)
class Table:
    file: str
    rows: list[tuple[int, dict[str, str]]]


def read_text(path: Path) -> str:
    """The file's text, or :class:`PolisExportError` saying why not (and where, for bytes
    that are not UTF-8: Python's own message gives only a byte offset)."""
    shown = str(path)
    try:
        return decode_utf8(read_bytes(path))
    except FileNotFoundError:
        reason = "no such file; a Polis export holds comments.csv, votes.csv and summary.csv"
        raise PolisExportError(shown, [Issue(None, "(file)", reason)]) from None
    except NotUtf8 as exc:
        raise PolisExportError(shown, [Issue(exc.line, "(file)", str(exc))]) from None
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or exc}"
        raise PolisExportError(shown, [Issue(None, "(file)", reason)]) from None


def read_table(path: Path, required: Sequence[str]) -> Table:
    shown = str(path)
    text = read_text(path)
    rows = list(csv_rows(shown, text))
    if not rows:
        raise PolisExportError(shown, [Issue(1, "(header)", "the file is empty")])
    (_, header), body = rows[0], rows[1:]
    names = [h.strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        found = ", ".join(names)
        issues = [Issue(1, c, f"required column is missing (found: {found})") for c in missing]
        raise PolisExportError(shown, issues)
    table = Table(shown, [])
    for line, row in body:
        if any(cell.strip() for cell in row):
            table.rows.append((line, dict(zip(names, row, strict=False))))
    return table


def csv_rows(shown: str, text: str) -> Iterator[tuple[int, list[str]]]:
    """The rows of a Polis CSV file and their lines, read strictly (an unclosed quote would
    otherwise swallow every later row into one cell; see :mod:`symphonia.interchange.csvtext`)."""
    try:
        yield from _strict_rows(text)
    except MalformedCsv as exc:
        raise PolisExportError(shown, [Issue(exc.line, "(csv)", exc.reason)]) from None


MAX_DIGITS = 18
"""Polis ids, votes and timestamps are small whole numbers; a cell of thousands of digits is
refused as not one (Python's int() refuses past 4,300 digits with a message about itself)."""


def whole_number(value: str | None) -> int | None:
    """The cell as a whole number, or None when it is not one of at most MAX_DIGITS digits."""
    text = (value or "").strip()
    if len(text.lstrip("+-")) > MAX_DIGITS:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def shown_cell(value: str | None) -> str:
    """A cell quoted for a message, clipped: the cell may be a paragraph or 5,000 digits."""
    return clip(repr(value))


def not_whole(line: int, column: str, value: str | None) -> Issue:
    """The refusal of a cell that should hold a whole number."""
    return Issue(line, column, f"must be a whole number, got {shown_cell(value)}")
