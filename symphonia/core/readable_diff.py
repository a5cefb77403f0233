"""A diff of two statement texts that a person can read: words, not lines.

Statements are single paragraphs, so a line diff would show the whole text twice. This one
marks removed words ``[-like this-]`` and added ones ``{+like this+}`` (the convention of
``git diff --word-diff``), leaving unchanged words as they are.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from symphonia.core.amendments import AmendmentAction, DraftStatement

_WORDS = re.compile(r"\S+|\s+")


DiffPart = tuple[str, str]
"""(kind, text): kind is ``same``, ``del`` (removed words) or ``ins`` (added words)."""


def word_diff_parts(before: str, after: str) -> tuple[DiffPart, ...]:
    """`before` turned into `after` as runs of kept, removed and added words (a page shows
    them as <del> and <ins>; :func:`word_diff` as text)."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    out: list[DiffPart] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            out.append(("del", "".join(old[i1:i2]).strip()))
        if j2 > j1:
            if i2 > i1:
                out.append(("same", " "))
            out.append(("ins", "".join(new[j1:j2]).strip()))
        if (j2 > j1 and new[j2 - 1].isspace()) or (i2 > i1 and old[i2 - 1].isspace()):
            out.append(("same", " "))
    return tuple(out)


def word_diff(before: str, after: str) -> str:
    """`before` turned into `after`, with removed and added words marked."""
    marks = {"del": "[-{}-]", "ins": "{{+{}+}}", "same": "{}"}
    return "".join(marks[kind].format(text) for kind, text in word_diff_parts(before, after))


def _texts(statements: Sequence[DraftStatement]) -> str:
    return "\n".join(s.text for s in statements)


def change_diff(
    action: AmendmentAction,
    before: Sequence[DraftStatement],
    after: Sequence[DraftStatement],
    reason: str,
) -> str:
    """What an amendment changed, for a person: a word diff of the texts, or the section or
    citations that moved."""
    if action is AmendmentAction.RECLASSIFY:
        return f"section: {before[0].section.value} -> {after[0].section.value}"
    if action is AmendmentAction.CITE:
        old, new = set(before[0].citations), set(after[0].citations)
        added = [f"+{c}" for c in after[0].citations if c not in old]
        removed = [f"-{c}" for c in before[0].citations if c not in new]
        return "citations: " + " ".join(added + removed)
    if action is AmendmentAction.ACCEPT_FLAG:
        return f"flags accepted: {reason}"
    return word_diff(_texts(before), _texts(after))
