"""Text hygiene shared by every reader of user files: UTF-8 decoding and unusable characters.

Files come from spreadsheets, exports and editors. What they hold is stored in the database
and quoted in reports, so a character that one of those cannot take must be refused at the
door, naming where it is: PostgreSQL rejects NUL in text columns with a bare "invalid byte
sequence", a lone surrogate cannot be encoded at all, and other control characters and
Unicode non-characters silently garble Markdown and HTML. Tab, newline and carriage return
are ordinary in multi-line text and stay allowed.
"""

from __future__ import annotations

import re

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_SURROGATE = "\ud800-\udfff"
_NONCHARACTER = "\ufdd0-\ufdef\ufffe\uffff" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
)
_UNUSABLE = re.compile(f"[{_CONTROL}{_SURROGATE}{_NONCHARACTER}]")


def unusable_character(value: str) -> str | None:
    """Why `value` cannot be stored and shown as it is, or None when it can.

    The reason names the first offending character by code point and its position (1-based),
    so a user can find an invisible character in an editor.
    """
    found = _UNUSABLE.search(value)
    if found is None:
        return None
    char = found.group()
    where = f"at character {found.start() + 1}"
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        return f"contains a NUL character ({code}) {where}; remove it"
    if "\ud800" <= char <= "\udfff":
        return f"contains a lone surrogate ({code}) {where}, which is not valid Unicode"
    if char in "\x7f" or char < " ":
        return (
            f"contains the control character {code} {where}; only tab, newline and "
            "carriage return are allowed"
        )
    return f"contains the Unicode non-character {code} {where}; remove it"


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
