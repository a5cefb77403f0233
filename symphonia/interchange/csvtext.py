"""CSV rows with their line numbers, read strictly: a malformed file is refused, never guessed.

Python's csv reader is lenient by default, and one case of its leniency loses data for good:
a quoted cell whose closing quote is missing runs on to the end of the file, so every later
row is read into that one cell, and the file imports without complaint as far fewer records
than it holds. Imports are append-only, so the damage would be permanent. Read with
``strict=True``, the reader raises instead; :func:`csv_rows` turns that into
:class:`MalformedCsv`, naming the line where the broken row starts and what is wrong in words
a spreadsheet user knows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

_UNCLOSED = (
    "a quoted cell in the row starting on this line is never closed, so every later line "
    "would be read into it; add the closing quote (a quote inside a quoted cell is "
    'written twice: "")'
)
_AFTER_QUOTE = (
    "a closing quote must be followed by a comma or the end of the line; a quote inside a "
    'quoted cell is written twice: ""'
)


class MalformedCsv(ValueError):
    """CSV text the strict reader refuses: the 1-based line of the row, and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def _reason(exc: csv.Error) -> str:
    message = str(exc)
    if "unexpected end of data" in message:
        return _UNCLOSED
    if "expected after" in message:
        return _AFTER_QUOTE
    if "field larger than field limit" in message:
        return (
            f"a cell is longer than {csv.field_size_limit()} characters, which usually means "
            "a quoted cell is never closed; check the quotes from this line on"
        )
    return f"malformed CSV: {message}"


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """Each row of `text` with the line it starts on; raises :class:`MalformedCsv`."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise MalformedCsv(start, _reason(exc)) from None
