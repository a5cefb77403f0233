"""Rules for text and ids that every way in (files, services, the web) applies alike.

What users send is stored in the database and quoted in reports, so a character one of those
cannot take must be refused before it is written: PostgreSQL rejects NUL in text columns
with a bare "invalid byte sequence", a lone surrogate cannot be encoded at all, and other
control characters (C0, DEL and the C1 range U+0080–U+009F, such as NEL and CSI) and Unicode
non-characters silently garble Markdown, HTML and terminals. Tab, newline and carriage return
are ordinary in multi-line text and stay allowed.

The id rule applies to ids a file or a caller *declares* (a new fragment, a new rating item):
they become database keys, URL parts and Markdown anchors (``#evidence-f12``). A *reference*
to an id (the item a rating scores, the fragments an item cites) is not held to it: it only
has to name something that exists, which may predate the rule.

Pure functions: no database, web or file access.
"""

from __future__ import annotations

import json
import re

from symphonia.core.fragments import MAX_ID_CHARS

IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Ids, pseudonyms and group ids: short, no spaces, safe in file names and URLs."""

ID_RULE = (
    "use letters, digits, '_', '-' or '.', starting with a letter or digit "
    f"(pattern {IDENTIFIER.pattern})"
)

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 but tab/LF/CR, DEL, and C1
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
    if char < " " or "\x7f" <= char <= "\x9f":
        return (
            f"contains the control character {code} {where}; only tab, newline and "
            "carriage return are allowed"
        )
    return f"contains the Unicode non-character {code} {where}; remove it"


def id_problem(value: str) -> str | None:
    """Why `value` cannot be declared as a fragment or item id, or None when it can."""
    if len(value) > MAX_ID_CHARS:
        return f"is {len(value)} characters long; the limit is {MAX_ID_CHARS}"
    if IDENTIFIER.fullmatch(value) is None:  # fullmatch: `$` alone lets a final newline by
        return f"{_clip(json.dumps(value, ensure_ascii=False))} is not a valid id; {ID_RULE}"
    return None


def _clip(shown: str, limit: int = 40) -> str:
    """Quote a bad value in a message without pasting a whole paragraph into it."""
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
