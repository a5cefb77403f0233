"""Content-based theme classification: contested camps, gaps, minority views, consensus."""

from __future__ import annotations

from symphonia.core.classify import classify_by_content, opposing_positions, theme_stats
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.themes import ThemeStatus

K = FragmentKind


def frag(i: int, kind: FragmentKind, author: str, group: str, confidence: int = 4) -> Fragment:
    return Fragment(f"f{i}", author, kind, f"text {i}", confidence, group)


def test_two_real_camps_make_a_contested_theme() -> None:
    members = [frag(i, K.ARGUMENT_FOR, f"E{i}", "a") for i in range(4)]
    members += [frag(10 + i, K.ARGUMENT_AGAINST, f"E{10 + i}", "b") for i in range(2)]
    call = classify_by_content(members, ["a", "b"])
    assert call.status is ThemeStatus.CONTESTED
    assert call.positions == {"for": ("f0", "f1", "f2", "f3"), "against": ("f10", "f11")}
    assert "4 for, 2 against" in call.reasons[0]


def test_one_stray_counterargument_is_not_a_camp() -> None:
    members = [frag(i, K.ARGUMENT_FOR, f"E{i}", "a" if i % 2 else "b") for i in range(6)]
    members.append(frag(9, K.ARGUMENT_AGAINST, "E9", "a"))
    assert classify_by_content(members, ["a", "b"]).status is ThemeStatus.CONSENSUS


def test_uncertainty_dominated_theme_is_a_gap() -> None:
    members = [frag(i, K.UNCERTAINTY, f"E{i}", "ab"[i % 2]) for i in range(3)]
    members += [frag(5, K.CLAIM, "E5", "a"), frag(6, K.CLAIM, "E6", "b")]
    call = classify_by_content(members, ["a", "b"])
    assert call.status is ThemeStatus.GAP
    assert "3 of 5 fragments state uncertainty" in call.reasons[0]


def test_weakly_held_evidence_is_a_gap() -> None:
    members = [frag(i, K.CLAIM, f"E{i}", "ab"[i % 2], confidence=2) for i in range(5)]
    call = classify_by_content(members, ["a", "b"])
    assert call.status is ThemeStatus.GAP
    assert "low confidence" in call.reasons[0]


def test_a_single_group_theme_is_named_as_a_minority_not_a_consensus() -> None:
    members = [frag(i, K.CLAIM, f"E{i}", "researcher") for i in range(3)]
    call = classify_by_content(members, ["researcher", "clinician", "parent_rep"])
    assert call.status is not ThemeStatus.CONSENSUS
    assert call.minority is not None
    assert "researcher" in call.minority


def test_few_confident_voices_are_a_minority() -> None:
    members = [frag(1, K.CLAIM, "E1", "a", 5), frag(2, K.CLAIM, "E2", "b", 4)]
    call = classify_by_content(members, ["a", "b"])
    assert call.minority is not None
    assert "2 contributors with high confidence" in call.minority


def test_broad_agreement_with_reservations_is_consensus_and_keeps_the_reservations() -> None:
    members = [frag(i, K.CLAIM, f"E{i}", "abc"[i % 3]) for i in range(6)]
    members.append(frag(7, K.CAVEAT, "E7", "a"))
    call = classify_by_content(members, ["a", "b", "c"])
    assert call.status is ThemeStatus.CONSENSUS
    assert call.positions["concerns"] == ("f7",)
    assert any("1 reservation raised" in r for r in call.reasons)


def test_positions_fall_back_to_support_versus_concerns() -> None:
    members = [frag(1, K.CLAIM, "E1", "a"), frag(2, K.BARRIER, "E2", "b")]
    assert opposing_positions(members) == {"support": ("f1",), "concerns": ("f2",)}
    assert opposing_positions([frag(1, K.CLAIM, "E1", "a")]) == {}


def test_theme_stats_count_people_groups_kinds_and_stances() -> None:
    members = [
        frag(1, K.ARGUMENT_FOR, "E1", "a", 5),
        frag(2, K.ARGUMENT_AGAINST, "E1", "a", 3),
        frag(3, K.CLAIM, "E2", "b", 1),
    ]
    stats = theme_stats(members)
    assert (stats.size, stats.contributors, stats.groups) == (3, 2, ("a", "b"))
    assert (stats.stance_for, stats.stance_against) == (1, 1)
    assert stats.kind_mix == {"argument_against": 1, "argument_for": 1, "claim": 1}
    assert stats.mean_confidence == 3.0


def test_confident_proposals_do_not_lift_unsure_evidence_out_of_the_gap() -> None:
    """Mean confidence over all four fragments is 2.5 (not a gap by the 2.5 rule); over the
    evidence alone it is 1.0: a gap in the evidence, whatever the proposals' authors hope."""
    members = [frag(1, K.CLAIM, "E1", "a", confidence=1), frag(2, K.CLAIM, "E2", "b", confidence=1)]
    members += [frag(3, K.ACTION, "E3", "a", confidence=4), frag(4, K.ACTION, "E4", "b", 4)]
    call = classify_by_content(members, ["a", "b"])
    assert call.status is ThemeStatus.GAP
    assert "mean 1.0 of 5, proposed actions aside" in call.reasons[0]


def test_a_theme_of_actions_alone_is_judged_on_their_confidence() -> None:
    members = [frag(i, K.ACTION, f"E{i}", "ab"[i % 2], confidence=4) for i in range(3)]
    assert classify_by_content(members, ["a", "b"]).status is ThemeStatus.CONSENSUS


def test_one_contributor_is_never_a_consensus_however_many_fragments() -> None:
    """Without stakeholder groups and at middling confidence, no other rule catches it."""
    members = [frag(i, K.CLAIM, "E1", "", confidence=3) for i in range(4)]
    call = classify_by_content(members, [])
    assert call.status is ThemeStatus.GAP
    assert call.minority == "a minority view held by 1 contributor"
    assert "not a panel consensus" in call.reasons[0]
    two = [frag(1, K.CLAIM, "E1", "", 3), frag(2, K.CLAIM, "E2", "", 3)]
    assert classify_by_content(two, []).status is ThemeStatus.CONSENSUS


def test_one_contributors_evidence_with_others_proposing_actions_is_no_consensus() -> None:
    """Issue 11 §2: proposals for what to do do not back a claim, so a theme whose only
    evidence is one person's is not a consensus however many propose actions beside it."""
    members = [frag(1, K.CLAIM, "E1", "a", 4)]
    members += [frag(2, K.ACTION, "E2", "b", 4), frag(3, K.ACTION, "E3", "a", 4)]
    call = classify_by_content(members, ["a", "b"])
    assert call.status is ThemeStatus.GAP
    assert (
        "its evidence is 1 contributor's (2 contributors only propose actions)" in (call.reasons[0])
    )


def test_evidence_from_two_contributors_beside_actions_stays_a_consensus() -> None:
    members = [frag(1, K.CLAIM, "E1", "a", 4), frag(2, K.EXAMPLE, "E2", "b", 4)]
    members.append(frag(3, K.ACTION, "E3", "a", 4))
    assert classify_by_content(members, ["a", "b"]).status is ThemeStatus.CONSENSUS


def test_actions_alone_from_several_contributors_are_judged_as_before() -> None:
    members = [frag(i, K.ACTION, f"E{i}", "ab"[i % 2], 4) for i in range(3)]
    assert classify_by_content(members, ["a", "b"]).status is ThemeStatus.CONSENSUS
