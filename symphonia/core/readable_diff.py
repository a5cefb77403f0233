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


def word_diff(before: str, after: str) -> str:
    """`before` turned into `after`, with removed and added words marked."""
    old, new = _WORDS.findall(before), _WORDS.findall(after)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append("".join(old[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"[-{''.join(old[i1:i2]).strip()}-]")
        if j2 > j1:
            if i2 > i1:
                out.append(" ")
            out.append(f"{{+{''.join(new[j1:j2]).strip()}+}}")
        if (j2 > j1 and new[j2 - 1].isspace()) or (i2 > i1 and old[i2 - 1].isspace()):
            out.append(" ")
    return "".join(out)


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
