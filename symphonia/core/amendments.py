"""Editors' amendments to a synthesis draft, as pure data: what a change is, and what it does.

A stored version is never rewritten, so an amendment is a *change* applied to the statements
of one version, giving the next version. The change holds only what the editor decided (a
new text, a section, two statements to merge, the parts of a split, citations to add or
remove, a new statement, a removal, an accepted flag) plus the keys it gives new statements,
so that replaying the stored changes from the draft gives every later version exactly
(the property tests hold that). The guard's verdict is not part of it: the service re-runs
the guard on every statement a change touched, as the drafting stage does on a draft.
What a change is allowed to be is in :mod:`symphonia.core.amendment_rules`; applying and
replaying changes in :mod:`symphonia.core.amending`.

Every change bumps the `revision` of each statement it touches (a new statement starts at
1): the editor's form carries the revision it showed, and a change to a statement whose
revision has moved on since is refused (optimistic locking, no lost edits).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from symphonia.core.synthesis import Section, Strength


class AmendmentAction(enum.StrEnum):
    """What an editor did. `reclassify` moves a statement to another section."""

    EDIT = "edit"
    RECLASSIFY = "reclassify"
    MERGE = "merge"
    SPLIT = "split"
    CITE = "cite"
    ADD = "add"
    REMOVE = "remove"
    ACCEPT_FLAG = "accept_flag"


@dataclass(frozen=True, slots=True)
class DraftStatement:
    """A statement as editing sees it; `citations` are fragment ids of the round;
    `accepted` is an editor's written justification for keeping it despite its flags
    (cleared when the statement changes, since the guard then judges it afresh)."""

    key: str
    theme_key: str | None
    section: Section
    text: str
    citations: tuple[str, ...]
    strength: Strength = Strength.MODERATE
    revision: int = 1
    accepted: str | None = None


@dataclass(frozen=True, slots=True)
class DraftState:
    """One version's statements in order, and its dissent ledger."""

    statements: tuple[DraftStatement, ...]
    ledger: tuple[Mapping[str, Any], ...] = ()

    def get(self, key: str) -> DraftStatement | None:
        return next((s for s in self.statements if s.key == key), None)


@dataclass(frozen=True, slots=True)
class SplitPart:
    key: str
    text: str
    citations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One editor decision. Which fields matter depends on `action`:

    edit: text; reclassify: section; merge: other (merged into `key`), text;
    split: parts (the first keeps `key`); cite: add, remove; add: text, section, theme_key,
    add (its citations), `key` new; remove and accept_flag: nothing more (the amendment's
    reason goes to the ledger, or is the justification)."""

    action: AmendmentAction
    key: str
    text: str | None = None
    section: Section | None = None
    theme_key: str | None = None
    other: str | None = None
    parts: tuple[SplitPart, ...] = ()
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"action": self.action.value, "key": self.key}
        for name in ("text", "theme_key", "other"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.section is not None:
            data["section"] = self.section.value
        if self.parts:
            data["parts"] = [
                {"key": p.key, "text": p.text, "citations": list(p.citations)} for p in self.parts
            ]
        if self.add:
            data["add"] = list(self.add)
        if self.remove:
            data["remove"] = list(self.remove)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        section = data.get("section")
        return cls(
            action=AmendmentAction(data["action"]),
            key=str(data["key"]),
            text=data.get("text"),
            section=Section(section) if section is not None else None,
            theme_key=data.get("theme_key"),
            other=data.get("other"),
            parts=tuple(
                SplitPart(str(p["key"]), str(p["text"]), tuple(p["citations"]))
                for p in data.get("parts", ())
            ),
            add=tuple(data.get("add", ())),
            remove=tuple(data.get("remove", ())),
        )

    @property
    def touched(self) -> tuple[str, ...]:
        """The existing statements this change reads (their revisions must be current)."""
        if self.action is AmendmentAction.ADD:
            return ()
        return (self.key, self.other) if self.other is not None else (self.key,)
