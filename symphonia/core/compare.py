"""Two synthesis versions side by side: what was added, removed, reworded or moved, and how
the panel's agreement changed. Pure: the reader's service loads both versions and the
amendments between them; this decides what changed.

A statement keeps its key from draft to publication and across rounds (editors' edits,
moves and citation changes keep it; a merge keeps the first statement's key and removes the
other; a split keeps the key on its first part and gives the others new keys), so the
versions are matched by key. The amendments add what the keys cannot say: why a statement
changed (their reasons), which statement a removed one was merged into, and which one a new
one was split from (the *lineage*).

Every statement of either version lands in exactly one change, so nothing is hidden:
`added` (only in the later version), `removed` (only in the earlier), `reworded` (its text
changed; it may have moved too, which `moved` says), `moved` (same text, another section)
and `unchanged`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from symphonia.core.readable_diff import DiffPart, word_diff, word_diff_parts
from symphonia.core.stats import STORED_DIGITS

_HALF_LAST_PLACE = 0.5 * 10.0**-STORED_DIGITS + 1e-12


class ChangeKind(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    REWORDED = "reworded"
    MOVED = "moved"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Agreement:
    """The panel's rating of a statement in one round (from the round's item statistics)."""

    n: int
    median: float | None
    iqr: float | None
    percent_agreement: float | None
    """As stored: the share of the `n` ratings in the agreement band, to STORED_DIGITS places."""
    call: str

    @property
    def share(self) -> float | None:
        """The share exactly: a count of ratings over `n`. Subtracting two rounded shares can
        miss the true change by a tenth of a point (1 of 3 then 7 of 9 is 44.4 points, but
        0.7778 - 0.3333 says 44.5), so the count is recovered, when one fits the stored
        figure's rounding, and divided again."""
        stored = self.percent_agreement
        if stored is None or self.n <= 0:
            return stored
        exact = round(stored * self.n) / self.n
        return exact if abs(exact - stored) <= _HALF_LAST_PLACE else stored


@dataclass(frozen=True, slots=True)
class SideStatement:
    key: str
    section: str
    text: str
    citations: tuple[str, ...] = ()
    agreement: Agreement | None = None


@dataclass(frozen=True, slots=True)
class Lineage:
    """What the amendments between two versions say beyond the keys."""

    reasons: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Statement key -> the reasons editors gave for changing it, oldest first."""
    merged_into: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    split_from: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class StatementChange:
    kind: ChangeKind
    key: str
    before: SideStatement | None
    after: SideStatement | None
    reasons: tuple[str, ...] = ()
    note: str | None = None
    """Lineage in words: "merged into s-3", "split from s-1"."""

    @property
    def moved(self) -> bool:
        return (
            self.before is not None
            and self.after is not None
            and self.before.section != self.after.section
        )

    @property
    def diff(self) -> str | None:
        """A word diff of the texts (reworded statements only)."""
        if self.kind is not ChangeKind.REWORDED or self.before is None or self.after is None:
            return None
        return word_diff(self.before.text, self.after.text)

    @property
    def diff_parts(self) -> tuple[DiffPart, ...]:
        """The same diff as runs of kept, removed and added words (for a page)."""
        if self.kind is not ChangeKind.REWORDED or self.before is None or self.after is None:
            return ()
        return word_diff_parts(self.before.text, self.after.text)

    @property
    def cited_added(self) -> tuple[str, ...]:
        old = set(self.before.citations) if self.before else set()
        return tuple(c for c in (self.after.citations if self.after else ()) if c not in old)

    @property
    def cited_removed(self) -> tuple[str, ...]:
        new = set(self.after.citations) if self.after else set()
        return tuple(c for c in (self.before.citations if self.before else ()) if c not in new)

    @property
    def agreement_change(self) -> float | None:
        """Percentage points of agreement gained (negative: lost), where both sides were
        rated."""
        a = self.before.agreement if self.before else None
        b = self.after.agreement if self.after else None
        was, now = (a.share if a else None), (b.share if b else None)
        if was is None or now is None:
            return None
        return round((now - was) * 100, 1)


@dataclass(frozen=True, slots=True)
class Comparison:
    changes: tuple[StatementChange, ...]

    def of(self, kind: ChangeKind) -> tuple[StatementChange, ...]:
        return tuple(c for c in self.changes if c.kind is kind)

    @property
    def has_changes(self) -> bool:
        return any(c.kind is not ChangeKind.UNCHANGED for c in self.changes)

    @property
    def counts(self) -> Mapping[ChangeKind, int]:
        return MappingProxyType({k: len(self.of(k)) for k in ChangeKind})


def _kind(before: SideStatement, after: SideStatement) -> ChangeKind:
    if before.text != after.text:
        return ChangeKind.REWORDED
    if before.section != after.section:
        return ChangeKind.MOVED
    return ChangeKind.UNCHANGED


def compare(
    before: Sequence[SideStatement], after: Sequence[SideStatement], lineage: Lineage = Lineage()
) -> Comparison:
    """The changes from `before` to `after` (each a version's statements in reading order):
    the later version's statements in its order, then those it no longer has."""
    old = {s.key: s for s in before}
    new = {s.key: s for s in after}
    if len(old) != len(before) or len(new) != len(after):
        raise ValueError("a version holds each statement key once")
    changes = []
    for st in after:
        reasons = tuple(lineage.reasons.get(st.key, ()))
        was = old.get(st.key)
        if was is None:
            parent = lineage.split_from.get(st.key)
            note = f"split from {parent}" if parent else None
            changes.append(StatementChange(ChangeKind.ADDED, st.key, None, st, reasons, note))
        else:
            changes.append(StatementChange(_kind(was, st), st.key, was, st, reasons))
    for st in before:
        if st.key in new:
            continue
        target = lineage.merged_into.get(st.key)
        note = f"merged into {target}" if target else None
        reasons = tuple(lineage.reasons.get(st.key, ()))
        changes.append(StatementChange(ChangeKind.REMOVED, st.key, st, None, reasons, note))
    return Comparison(tuple(changes))


def lineage_of(amendments: Sequence[Mapping[str, object]]) -> Lineage:
    """The lineage from amendments' stored changes (`{"change": {...}, "reason": ...}`,
    oldest first), as `symphonia.core.amendments.Change.as_dict` writes them."""
    reasons: dict[str, list[str]] = {}
    merged: dict[str, str] = {}
    split: dict[str, str] = {}
    for amendment in amendments:
        change = amendment.get("change")
        reason = str(amendment.get("reason", ""))
        if not isinstance(change, Mapping) or "key" not in change:
            continue
        key = str(change["key"])
        reasons.setdefault(key, []).append(reason)
        other = change.get("other")
        if isinstance(other, str):
            merged[other] = key
            reasons.setdefault(other, []).append(reason)
        for part in change.get("parts") or ():
            if isinstance(part, Mapping) and part.get("key") not in (None, key):
                split[str(part["key"])] = key
                reasons.setdefault(str(part["key"]), []).append(reason)
    return Lineage(
        MappingProxyType({k: tuple(v) for k, v in reasons.items()}),
        MappingProxyType(merged),
        MappingProxyType(split),
    )
