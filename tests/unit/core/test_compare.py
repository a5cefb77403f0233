"""Comparing two synthesis versions (core.compare): a constructed pair with known changes,
and properties that hold for any pair."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from symphonia.core.compare import (
    Agreement,
    ChangeKind,
    SideStatement,
    compare,
    lineage_of,
)
from symphonia.core.stats import STORED_DIGITS

BEFORE = (
    SideStatement("s1", "consensus", "Ringfence the budget for five years.", ("f0",)),
    SideStatement("s2", "consensus", "Consent rules differ between trusts.", ("f2",)),
    SideStatement("s3", "gap", "Nobody measured the time saved.", ("f4",)),
    SideStatement("s4", "contested", "Shared records save time.", ("f4", "f5")),
    SideStatement("s5", "action", "Fund a pilot.", ("f1",)),
)
AFTER = (
    SideStatement("s1", "consensus", "Ringfence the budget for at least five years.", ("f0",)),
    SideStatement("s2", "contested", "Consent rules differ between trusts.", ("f2",)),
    SideStatement("s4", "contested", "Shared records save time.", ("f4", "f5")),
    SideStatement("s5", "action", "Fund a pilot.", ("f1",)),
    SideStatement("ed-1", "consensus", "Nurses are asked the same questions.", ("f5",)),
)
AMENDMENTS = (
    {"change": {"action": "edit", "key": "s1"}, "reason": "the panel said 'at least'"},
    {"change": {"action": "reclassify", "key": "s2"}, "reason": "clinicians disagree"},
    {"change": {"action": "merge", "key": "s4", "other": "s3"}, "reason": "one point"},
    {
        "change": {"action": "split", "key": "s5", "parts": [{"key": "s5"}, {"key": "ed-1"}]},
        "reason": "two points",
    },
)


def test_a_constructed_pair_gives_each_known_change() -> None:
    result = compare(BEFORE, AFTER, lineage_of(AMENDMENTS))
    kinds = {c.key: c.kind for c in result.changes}
    assert kinds == {
        "s1": ChangeKind.REWORDED,
        "s2": ChangeKind.MOVED,
        "s3": ChangeKind.REMOVED,
        "s4": ChangeKind.UNCHANGED,
        "s5": ChangeKind.UNCHANGED,
        "ed-1": ChangeKind.ADDED,
    }
    reworded = result.of(ChangeKind.REWORDED)[0]
    assert reworded.reasons == ("the panel said 'at least'",)
    assert reworded.diff == "Ringfence the budget for {+at least+} five years."
    moved = result.of(ChangeKind.MOVED)[0]
    assert moved.moved
    assert moved.before
    assert moved.after
    assert (moved.before.section, moved.after.section) == ("consensus", "contested")
    assert moved.reasons == ("clinicians disagree",)
    removed = result.of(ChangeKind.REMOVED)[0]
    assert removed.note == "merged into s4"
    assert removed.reasons == ("one point",)
    added = result.of(ChangeKind.ADDED)[0]
    assert added.note == "split from s5"
    assert added.reasons == ("two points",)
    assert result.has_changes
    assert result.counts[ChangeKind.UNCHANGED] == 2


def test_agreement_change_in_percentage_points() -> None:
    before = (SideStatement("s1", "consensus", "A.", (), Agreement(10, 7.0, 1.0, 0.6, "x")),)
    after = (SideStatement("s1", "consensus", "A.", (), Agreement(12, 8.0, 1.0, 0.75, "y")),)
    assert compare(before, after).changes[0].agreement_change == 15.0
    unrated = (SideStatement("s1", "consensus", "A."),)
    assert compare(unrated, after).changes[0].agreement_change is None


def _rated(n: int, in_band: int) -> SideStatement:
    """A statement whose `in_band` of `n` ratings agree, stored as the analysis stores it."""
    stored = round(in_band / n, STORED_DIGITS)
    return SideStatement("s1", "consensus", "A.", (), Agreement(n, 7.0, 1.0, stored, "x"))


def test_agreement_change_is_the_exact_shares_difference_not_the_rounded_ones() -> None:
    # 1 of 3 then 7 of 9: 44.44 points; the stored 0.7778 - 0.3333 would say 44.5
    assert compare((_rated(3, 1),), (_rated(9, 7),)).changes[0].agreement_change == 44.4
    # a figure no count of n fits (not one the analysis stored) is used as it is
    odd = SideStatement("s1", "consensus", "A.", (), Agreement(3, 7.0, 1.0, 0.5, "x"))
    assert compare((odd,), (_rated(4, 3),)).changes[0].agreement_change == 25.0


@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
)
def test_agreement_change_matches_the_counts_behind_it(
    before: tuple[int, int], after: tuple[int, int]
) -> None:
    (n1, k1), (n2, k2) = before, after
    change = compare((_rated(n1, k1),), (_rated(n2, k2),)).changes[0]
    assert change.agreement_change == round((k2 / n2 - k1 / n1) * 100, 1)


def test_a_reworded_statement_that_also_moved_says_so() -> None:
    before = (SideStatement("s1", "consensus", "A b.", ()),)
    after = (SideStatement("s1", "gap", "A c.", ()),)
    change = compare(before, after).changes[0]
    assert change.kind is ChangeKind.REWORDED
    assert change.moved


_SECTIONS = st.sampled_from(["consensus", "contested", "gap", "action", "minority"])
_TEXTS = st.sampled_from(["One.", "Two.", "Three words here.", "Four."])
_version = st.dictionaries(
    st.sampled_from([f"s{i}" for i in range(8)]), st.tuples(_SECTIONS, _TEXTS), max_size=8
).map(lambda d: tuple(SideStatement(k, sec, text) for k, (sec, text) in d.items()))


@given(_version, _version)
def test_every_statement_of_both_versions_lands_in_exactly_one_change(
    before: tuple[SideStatement, ...], after: tuple[SideStatement, ...]
) -> None:
    result = compare(before, after)
    befores = [c.before.key for c in result.changes if c.before]
    afters = [c.after.key for c in result.changes if c.after]
    assert sorted(befores) == sorted(s.key for s in before)
    assert sorted(afters) == sorted(s.key for s in after)
    assert sum(result.counts.values()) == len(result.changes)
    for change in result.changes:
        assert (change.kind is ChangeKind.ADDED) == (change.before is None)
        assert (change.kind is ChangeKind.REMOVED) == (change.after is None)


@given(_version)
def test_a_version_compared_with_itself_has_no_changes(version: tuple[SideStatement, ...]) -> None:
    result = compare(version, version)
    assert not result.has_changes
    assert len(result.changes) == len(version)
