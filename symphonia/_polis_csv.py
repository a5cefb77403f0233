"""The files of a Polis export as rows with their line numbers, and the refusals they make.

A Polis export is CSV written by a third party, so every problem with the files themselves
(missing, not UTF-8, malformed, a required column absent) names the file and the line. What
the rows mean is :mod:`symphonia.polis`'s business.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from symphonia.interchange import InterchangeError, Issue
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
        return decode_utf8(path.read_bytes())
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
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PolisExportError(shown, [Issue(start, "(csv)", f"malformed CSV: {exc}")]) from None


def whole_number(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None
