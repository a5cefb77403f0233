"""Editors' changes as pure data: any sequence of them, stored as JSON and replayed from the
draft, gives the same statements exactly; every statement keeps citing fragments of its
round; nothing removed disappears without a ledger entry; revisions only go up."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.amending import apply_change, replay
from symphonia.core.amendment_rules import check_reason
from symphonia.core.amendments import (
    AmendmentAction,
    Change,
    DraftState,
    DraftStatement,
    SplitPart,
)
from symphonia.core.errors import RejectedInput
from symphonia.core.readable_diff import change_diff, word_diff
from symphonia.core.synthesis import Section

FRAGMENTS = tuple(f"f{i}" for i in range(8))
DRAFT = DraftState(
    tuple(
        DraftStatement(f"s{i}", f"t{i % 2}", Section.CONSENSUS, f"text {i}", (f"f{i}",))
        for i in range(4)
    )
)
ACTIONS = list(AmendmentAction)
WORDS = st.text(alphabet="abc xyz", min_size=1, max_size=20).filter(str.strip)


@st.composite
def sessions(draw: st.DrawFn) -> list[tuple[Change, str]]:
    """A sequence of changes an editor could make, each built against the state it meets."""
    state, made = DRAFT, []
    for n in range(draw(st.integers(0, 12))):
        action = draw(st.sampled_from(ACTIONS))
        keys = [s.key for s in state.statements]
        if not keys and action is not AmendmentAction.ADD:
            action = AmendmentAction.ADD
        key = draw(st.sampled_from(keys)) if keys else ""
        cites = tuple(draw(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=3)))
        text = draw(WORDS)
        change = {
            AmendmentAction.EDIT: Change(action, key, text=text),
            AmendmentAction.RECLASSIFY: Change(action, key, section=draw(st.sampled_from(Section))),
            AmendmentAction.MERGE: Change(
                action, key, other=draw(st.sampled_from(keys)) if keys else None, text=text
            ),
            AmendmentAction.SPLIT: Change(
                action, key, parts=(SplitPart(key, text, cites), SplitPart(f"n{n}", text, cites))
            ),
            AmendmentAction.CITE: Change(action, key, add=cites[:1], remove=cites[1:2]),
            AmendmentAction.ADD: Change(
                action, f"n{n}", text=text, section=Section.GAP, theme_key="t0", add=cites
            ),
            AmendmentAction.REMOVE: Change(action, key),
            AmendmentAction.ACCEPT_FLAG: Change(action, key),
        }[action]
        reason = f"reason {n}"
        try:
            state = apply_change(state, change, reason, FRAGMENTS).state
        except RejectedInput:
            continue  # a change the rules refuse changes nothing; the editor tries again
        made.append((change, reason))
    return made


@settings(max_examples=200, deadline=None)
@given(sessions())
def test_replaying_stored_changes_gives_the_version_exactly(
    made: list[tuple[Change, str]],
) -> None:
    state, revisions = DRAFT, {s.key: s.revision for s in DRAFT.statements}
    for change, reason in made:
        state = apply_change(state, change, reason, FRAGMENTS).state
        for s in state.statements:
            assert s.revision >= revisions.get(s.key, 1)
            revisions[s.key] = s.revision
    stored = [(json.loads(json.dumps(c.as_dict())), r) for c, r in made]
    replayed = replay(DRAFT, [(Change.from_dict(c), r) for c, r in stored], FRAGMENTS)
    assert replayed == state
    keys = [s.key for s in state.statements]
    assert len(keys) == len(set(keys))
    for s in state.statements:
        assert s.citations
        assert set(s.citations) <= set(FRAGMENTS)
    removed = {c.key for c, _ in made if c.action is AmendmentAction.REMOVE}
    assert removed <= {e["subject"] for e in state.ledger}


def test_a_stale_key_a_self_merge_and_a_bare_reason_are_refused() -> None:
    with pytest.raises(RejectedInput, match="no such statement"):
        apply_change(DRAFT, Change(AmendmentAction.EDIT, "zz", text="x"), "r", FRAGMENTS)
    with pytest.raises(RejectedInput, match="merged with itself"):
        apply_change(
            DRAFT, Change(AmendmentAction.MERGE, "s0", other="s0", text="x"), "r", FRAGMENTS
        )
    with pytest.raises(RejectedInput, match="reason: is required"):
        check_reason("   ")


def test_an_edit_clears_an_accepted_flag_and_bumps_the_revision() -> None:
    accepted = apply_change(DRAFT, Change(AmendmentAction.ACCEPT_FLAG, "s0"), "ok", FRAGMENTS)
    assert accepted.state.statements[0].accepted == "ok"
    edited = apply_change(
        accepted.state, Change(AmendmentAction.EDIT, "s0", text="new"), "why", FRAGMENTS
    )
    assert edited.state.statements[0].accepted is None
    assert edited.state.statements[0].revision == 3


def test_diffs_read_as_words() -> None:
    assert word_diff("a b c", "a x c") == "a [-b-] {+x+} c"
    applied = apply_change(
        DRAFT, Change(AmendmentAction.RECLASSIFY, "s1", section=Section.GAP), "r", FRAGMENTS
    )
    diff = change_diff(AmendmentAction.RECLASSIFY, applied.before, applied.after, "r")
    assert diff == "section: consensus -> gap"
