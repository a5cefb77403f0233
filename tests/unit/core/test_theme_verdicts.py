"""A theme's status is the call its rated items share; mixed themes are divided into parts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.theme_verdicts import Part, count_calls, partition
from symphonia.core.themes import ThemeStatus
from symphonia.core.verdicts import Direction, ItemCall, ItemVerdict


def verdict(item: str, call: ItemCall, direction: Direction = Direction.NONE) -> ItemVerdict:
    if call is ItemCall.CONSENSUS and direction is Direction.NONE:
        direction = Direction.AGREE
    return ItemVerdict(
        item, call is ItemCall.CONSENSUS, direction, (), {"n": 12}, 1.0, True, call, ()
    )


def test_items_sharing_one_call_keep_their_theme_whole() -> None:
    verdicts = [verdict(f"c{i}", ItemCall.CONSENSUS) for i in range(4)]
    items = {f"c{i}": [f"c{i}"] for i in range(4)}
    (whole,) = partition(["c0", "c1", "c2", "c3", "x"], verdicts, items)
    assert whole.part is Part.AGREED
    assert whole.fragment_ids == ("c0", "c1", "c2", "c3", "x")  # unrated evidence stays
    assert whole.part.status is ThemeStatus.CONSENSUS


def test_a_mixed_theme_is_divided_by_call_and_counted() -> None:
    calls = [ItemCall.CONSENSUS] * 5 + [ItemCall.DIVISIVE] * 3 + [ItemCall.TOO_FEW]
    calls += [ItemCall.NO_AGREEMENT, ItemCall.SPLIT]
    verdicts = [verdict(f"c{i}", c) for i, c in enumerate(calls)]
    verdicts.append(verdict("r", ItemCall.CONSENSUS, Direction.DISAGREE))
    items = {v.item_id: [v.item_id] for v in verdicts}
    parts = {p.part: p for p in partition(list(items), verdicts, items)}
    assert set(parts) == {Part.AGREED, Part.REJECTED, Part.DIVIDED, Part.UNSETTLED}
    assert len(parts[Part.AGREED].verdicts) == 5
    assert len(parts[Part.DIVIDED].verdicts) == 4  # divisive and split
    assert len(parts[Part.UNSETTLED].verdicts) == 2  # no agreement and too few
    assert parts[Part.REJECTED].part.status is ThemeStatus.CONSENSUS
    counts = count_calls(verdicts)
    assert counts.sentence() == (
        "12 rated items: 6 consensus (1 rejecting), 3 divisive, 1 split, 1 no agreement, "
        "1 too few ratings"
    )


def test_evidence_behind_a_divisive_and_an_agreed_item_is_shown_with_the_dispute() -> None:
    verdicts = [verdict("s11", ItemCall.DIVISIVE), verdict("s12", ItemCall.CONSENSUS)]
    items = {"s11": ["f1", "f2"], "s12": ["f2", "f3"]}
    parts = {p.part: p for p in partition(["f1", "f2", "f3"], verdicts, items)}
    assert parts[Part.DIVIDED].fragment_ids == ("f1", "f2")
    assert parts[Part.AGREED].fragment_ids == ("f3",)
    # An agreed item whose evidence all went to the dispute is reported there.
    (only,) = partition(["f1", "f2"], verdicts, {"s11": ["f1", "f2"], "s12": ["f2"]})
    assert only.part is Part.DIVIDED
    assert [v.item_id for v in only.verdicts] == ["s11", "s12"]


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.sampled_from(list(ItemCall)), min_size=1, max_size=12),
    st.lists(st.lists(st.integers(0, 14), min_size=1, max_size=3), min_size=12, max_size=12),
    st.integers(0, 5),
)
def test_every_fragment_and_every_item_is_in_exactly_one_part(
    calls: list[ItemCall], cited: list[list[int]], unrated: int
) -> None:
    verdicts = [verdict(f"i{n}", c) for n, c in enumerate(calls)]
    items = {f"i{n}": [f"f{k}" for k in cited[n]] for n in range(len(calls))}
    fragments = sorted({f for ids in items.values() for f in ids}) + [
        f"u{k}" for k in range(unrated)
    ]
    parts = partition(fragments, verdicts, items)
    placed = [f for p in parts for f in p.fragment_ids]
    assert sorted(placed) == sorted(fragments)
    judged = [v.item_id for p in parts for v in p.verdicts]
    assert sorted(judged) == sorted(v.item_id for v in verdicts)
    counts = count_calls(verdicts).as_dict()
    assert counts["items"] == len(verdicts)
    assert sum(counts[c.value] for c in ItemCall) == len(verdicts)
    assert len({p.part for p in parts}) == len(parts)
    assert all(p.fragment_ids for p in parts)
