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

The checks of whole records (:func:`fragment_text_problems`, :func:`item_text_problems`,
:func:`rating_text_problems`, :func:`study_text_problems`) return ``(field, reason)`` pairs,
so a file reader, a service and the web can each say where in their own terms; and every
refusal of a batch is summed up in the same words (:func:`refusal_summary`).

Pure functions: no database, web or file access.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from symphonia.core.fragments import MAX_ID_CHARS, Fragment, Rating

if TYPE_CHECKING:  # core.study builds on this module's id rule
    from symphonia.core.study import RatingItem, StudyDefinition

Problem = tuple[str, str]
"""A field (a dotted path such as ``panel[3].name``) and the reason it is refused."""

NOTHING_IMPORTED = "nothing was imported"
"""How a refused import ends its summary line, in files and services alike."""

MAX_TITLE_CHARS = 300
"""A study's title: a heading, not a paragraph (the ``study.title`` column's length)."""
MAX_LABEL_CHARS = 200
"""A stakeholder group's name, or a panellist's display name (their columns' length)."""
MAX_MODEL_ID_CHARS = 200
"""The embedding model's name or path, recorded with every analysis run."""
MAX_INTEGER = 2**31 - 1
"""The largest whole number an INTEGER column holds on PostgreSQL (SQLite's go to 2**63 - 1):
a number a user names (a version, a round) past it can only be refused, never looked up."""

IDENTIFIER = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_ID_CHARS - 1}}}$")
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
    if (reason := too_long(value, MAX_ID_CHARS)) is not None:
        return reason
    if IDENTIFIER.fullmatch(value) is None:  # fullmatch: `$` alone lets a final newline by
        return f"{clip(json.dumps(value, ensure_ascii=False))} is not a valid id; {ID_RULE}"
    return None


def clip(shown: str, limit: int = 40) -> str:
    """Quote a bad value in a message without pasting a whole paragraph into it."""
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def refusal_summary(source: str, problems: int | str, consequence: str = NOTHING_IMPORTED) -> str:
    """The first line of every refusal of a batch: ``"f.jsonl: 3 problem(s); nothing was
    imported"`` (`problems` may be a count such as ``"50+"``; no source, no prefix)."""
    where = f"{source}: " if source else ""
    return f"{where}{problems} problem(s); {consequence}"


def field_path(parts: Iterable[int | str]) -> str:
    """('panel', 3, 'group') -> 'panel[3].group'."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def nested_text_problems(value: object, path: tuple[int | str, ...] = ()) -> list[Problem]:
    """Every string in parsed TOML or JSON (tables, arrays) that cannot be stored, by path.

    For a file that is not yet a record, so its every unusable string is reported together
    with its other problems. TOML forbids raw control characters but lets escapes such as
    "\\u0000" through, and PostgreSQL then refuses the text with no hint of the field.
    """
    if isinstance(value, str):
        reason = unusable_character(value)
        return [] if reason is None else [(field_path(path), reason)]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nested_text_problems(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nested_text_problems(v, (*path, i))]
    return []


def text_problems(
    texts: Iterable[tuple[str, str | None]], declared: tuple[str, str] | None = None
) -> list[Problem]:
    """A declared id breaking the id rule (`declared`: its field and value), then every text
    (field and value; None for an unset optional field) that cannot be stored."""
    found: list[Problem] = []
    if declared is not None and (reason := id_problem(declared[1])) is not None:
        found.append((declared[0], reason))
    for name, value in texts:
        if value is not None and (reason := unusable_character(value)) is not None:
            found.append((name, reason))
    return found


def _each(name: str, values: Sequence[str]) -> list[tuple[str, str | None]]:
    return [(f"{name}[{i}]", v) for i, v in enumerate(values)]


def fragment_text_problems(f: Fragment) -> list[Problem]:
    """A fragment's declared id against the id rule, and its texts against the characters."""
    texts = [("author", f.author), ("text", f.text), ("group", f.group), ("question", f.question)]
    return text_problems([*texts, *_each("sources", f.sources)], declared=("id", f.id))


def item_text_problems(item: RatingItem) -> list[Problem]:
    """A rating item's declared id and its texts; its fragment ids are references, not held
    to the id rule, but must still be storable."""
    texts = [("text", item.text), ("theme_hint", item.theme_hint)]
    return text_problems([*texts, *_each("fragment_ids", item.fragment_ids)], ("id", item.id))


def rating_text_problems(r: Rating) -> list[Problem]:
    """A rating's references (item and rater) must be storable text; the item is stored with
    the rating, so it must fit an id's column even when it is not held to the id rule."""
    texts = text_problems([("item", r.item), ("rater", r.rater)])
    return texts + length_problems([("item", r.item, MAX_ID_CHARS)])


def study_text_problems(study: StudyDefinition) -> list[Problem]:
    """Every text of a study definition that cannot be stored, by the path the study file
    gives it (``study.title``, ``groups[0].name``, ``panel[3].name``, ``rounds[1].items``).

    Ids (the study's, groups', pseudonyms) are left to the id rule of
    :func:`symphonia.core.study.study_problems`, which no unusable character passes.
    """
    texts: list[tuple[str, str | None]] = [
        ("study.title", study.title),
        ("study.question", study.question),
        ("study.description", study.description),
    ]
    texts += [(f"groups[{i}].name", g.name) for i, g in enumerate(study.groups)]
    texts += [(f"panel[{i}].name", p.name) for i, p in enumerate(study.panel)]
    texts += [
        (f"rounds[{i}].{name}", getattr(r, name))
        for i, r in enumerate(study.rounds)
        for name in ("fragments", "ratings", "items")
    ]
    limits: list[tuple[str, str | None, int]] = [("study.title", study.title, MAX_TITLE_CHARS)]
    limits += [(f"groups[{i}].name", g.name, MAX_LABEL_CHARS) for i, g in enumerate(study.groups)]
    limits += [(f"panel[{i}].name", p.name, MAX_LABEL_CHARS) for i, p in enumerate(study.panel)]
    return text_problems(texts) + length_problems(limits)


def too_long(value: str, limit: int) -> str | None:
    """Why `value` is too long for a column of `limit` characters, or None when it fits.
    SQLite stores any length; PostgreSQL refuses the whole write with no field named, so every
    way in checks this first."""
    if len(value) <= limit:
        return None
    return f"is {len(value)} characters long; the limit is {limit}"


def length_problems(fields: Iterable[tuple[str, str | None, int]]) -> list[Problem]:
    """(field, value, limit) triples -> a problem for every value longer than its limit."""
    return [
        (name, reason)
        for name, value, limit in fields
        if value is not None and (reason := too_long(value, limit)) is not None
    ]
