"""Text hygiene shared by every reader of user files: UTF-8 decoding and unusable characters.

Files come from spreadsheets, exports and editors. Bytes that are not UTF-8 are refused with
the line and column of the first bad byte (:func:`decode_utf8`); characters that the database
or the reports cannot take are refused by :func:`unusable_character`, whose rule lives in
:mod:`symphonia.core.text_rules` so the services apply the same one to records that never
came from a file.
"""

from __future__ import annotations

from symphonia.core.text_rules import unusable_character

__all__ = ["NotUtf8", "decode_utf8", "unusable_character"]


class NotUtf8(ValueError):
    """Bytes that are not UTF-8, with the 1-based line and column of the first bad byte."""

    def __init__(self, line: int, column: int, byte: int) -> None:
        self.line = line
        self.column = column
        self.byte = byte
        super().__init__(
            f"not valid UTF-8 (byte 0x{byte:02x} at line {line}, column {column}); "
            "save the file as UTF-8"
        )


def decode_utf8(data: bytes) -> str:
    """Decode UTF-8 (a leading BOM tolerated) or raise :class:`NotUtf8` saying where.

    Python's own message gives a byte offset ("position 212"), which no editor shows; the
    line and column do.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        start = exc.start + bom  # the decoder counts from after the BOM
        line_start = max(data.rfind(b"\n", 0, start) + 1, bom)
        line = data.count(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", errors="replace")) + 1
        raise NotUtf8(line, column, data[start]) from None
