"""The extractive drafter: faithful by construction, nothing dropped, minorities named."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.synthesis import Section, Strength
from symphonia.core.themes import Theme, ThemeStatus
from symphonia.pipeline.draft_extractive import ExtractiveDrafter
from tests.unit.pipeline.conftest import classified_theme

GROUPS = ("clinician", "researcher", "parent_rep")


def theme_of(tid: str, members: list[Fragment]) -> Theme:
    return classified_theme(tid, members, GROUPS)


fragment_specs = st.lists(
    st.tuples(
        st.sampled_from(list(FragmentKind)),
        st.integers(0, 5),
        st.sampled_from(GROUPS),
        st.integers(1, 5),
    ),
    min_size=1,
    max_size=12,
)


@given(st.lists(fragment_specs, min_size=1, max_size=4), st.integers(0, 3))
@settings(max_examples=60, deadline=None)
def test_every_fragment_is_cited_within_its_own_theme(
    themes_spec: list[list[tuple[FragmentKind, int, str, int]]], n_singular: int
) -> None:
    fragments: dict[str, Fragment] = {}
    themes = []
    for t, spec in enumerate(themes_spec):
        members = []
        for kind, author, group, conf in spec:
            f = Fragment(
                f"f{len(fragments)}", f"E{author}", kind, f"words {len(fragments)}", conf, group
            )
            fragments[f.id] = f
            members.append(f)
        themes.append(theme_of(f"t{t}", members))
    singular = []
    for _ in range(n_singular):
        f = Fragment(f"f{len(fragments)}", "E9", FragmentKind.CLAIM, "alone", 3, "clinician")
        fragments[f.id] = f
        singular.append(f.id)
    synthesis = ExtractiveDrafter().draft(themes, singular, fragments)
    cited: set[str] = set()
    for s in synthesis.statements:
        assert s.citations, s
        if s.theme_id is None:
            assert s.section is Section.MINORITY
            assert set(s.citations) <= set(singular)
        else:
            theme = next(t for t in themes if t.id == s.theme_id)
            assert set(s.citations) <= set(theme.fragment_ids)
            if theme.status is ThemeStatus.CONTESTED:
                assert s.section is not Section.CONSENSUS
        cited |= set(s.citations)
    assert cited == set(fragments), "some fragment is cited by no statement"
    assert len({s.id for s in synthesis.statements}) == len(synthesis.statements)


def test_statements_quote_contributors_verbatim_and_never_name_them() -> None:
    members = [
        Fragment(
            "a",
            "E01",
            FragmentKind.CLAIM,
            "Funding must be ringfenced for five years.",
            5,
            "clinician",
        ),
        Fragment(
            "b", "E02", FragmentKind.CLAIM, "Short-term pots kill analyst posts.", 4, "researcher"
        ),
        Fragment("c", "E03", FragmentKind.ACTION, "Ringfence revenue funding.", 4, "parent_rep"),
    ]
    theme = theme_of("t01", members)
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    texts = [s.text for s in synthesis.statements]
    assert any("\u201cFunding must be ringfenced for five years.\u201d" in t for t in texts)
    assert any(s.section is Section.ACTION and s.citations == ("c",) for s in synthesis.statements)
    assert not any(p in t for t in texts for p in ("E01", "E02", "E03"))


def test_each_side_of_a_contested_theme_gets_its_own_statement() -> None:
    members = [
        Fragment(f"p{i}", f"E{i}", FragmentKind.ARGUMENT_FOR, f"for {i}", 4, GROUPS[i % 3])
        for i in range(3)
    ] + [
        Fragment(
            f"c{i}", f"E{5 + i}", FragmentKind.ARGUMENT_AGAINST, f"against {i}", 4, "researcher"
        )
        for i in range(2)
    ]
    theme = theme_of("t01", members)
    assert theme.status is ThemeStatus.CONTESTED
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    sides = [s for s in synthesis.statements if s.section is Section.CONTESTED]
    assert [set(s.citations) for s in sides] == [{"p0", "p1", "p2"}, {"c0", "c1"}]
    assert "minority position held only by the researcher group" in sides[1].text


def test_a_minority_theme_goes_to_the_minority_section_named_as_such() -> None:
    members = [
        Fragment(
            "r1", "E1", FragmentKind.CLAIM, "Research access needs its own line.", 5, "researcher"
        ),
        Fragment(
            "r2",
            "E2",
            FragmentKind.CLAIM,
            "A standalone research strand is vital.",
            5,
            "researcher",
        ),
    ]
    theme = theme_of("t01", members)
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    (lead,) = synthesis.statements
    assert lead.section is Section.MINORITY
    assert lead.text.startswith("A minority view held only by the researcher group")


def test_singular_views_are_kept_with_their_group_only() -> None:
    f = Fragment(
        "s1", "E07", FragmentKind.CAVEAT, "Nobody has asked the children.", 3, "parent_rep"
    )
    synthesis = ExtractiveDrafter().draft([], ["s1"], {"s1": f})
    (only,) = synthesis.statements
    assert only.section is Section.MINORITY
    assert only.citations == ("s1",)
    assert "parent_rep" in only.text
    assert "E07" not in only.text


def test_the_lead_credits_only_the_contributors_of_the_fragments_it_cites() -> None:
    """A theme of four contributors whose lead evidence comes from one of them must not
    present that one person's words as "raised by 4 contributors"."""
    members = [
        Fragment("m1", "E1", FragmentKind.CLAIM, "Trust needs a public register.", 4, "clinician"),
        Fragment("m2", "E2", FragmentKind.CAVEAT, "Registers go stale.", 4, "researcher"),
        Fragment("m3", "E3", FragmentKind.BARRIER, "No one funds upkeep.", 4, "parent_rep"),
        Fragment("m4", "E4", FragmentKind.ACTION, "Publish a register.", 4, "researcher"),
    ]
    theme = theme_of("t01", members)
    assert theme.stats.contributors == 4
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    lead = synthesis.statements[0]
    assert lead.citations == ("m1",)
    assert "1 contributor from 1 stakeholder group" in lead.text
    assert "4 contributors" not in lead.text
    assert lead.section is Section.CONSENSUS
    assert lead.strength is Strength.WEAK, "one person's evidence is not moderately strong"


def test_the_lead_quote_is_not_an_unsure_aside_when_the_theme_has_firmer_evidence() -> None:
    members = [
        Fragment("u1", "E1", FragmentKind.UNCERTAINTY, "I am not sure this works.", 1, "clinician"),
        Fragment("c1", "E2", FragmentKind.CLAIM, "Shared care plans cut delays.", 4, "researcher"),
        Fragment("c2", "E3", FragmentKind.CLAIM, "Care plans help families.", 2, "parent_rep"),
        Fragment("c3", "E4", FragmentKind.CLAIM, "Plans shared early help.", 4, "clinician"),
    ]
    theme = replace(theme_of("t01", members), representative_ids=("u1", "c2"))
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    lead = synthesis.statements[0]
    assert lead.section is Section.CONSENSUS
    assert "\u201cShared care plans cut delays.\u201d" in lead.text
    assert set(lead.citations) == {"u1", "c1", "c2", "c3"}
    assert "Raised by 4 contributors from 3 stakeholder groups; for example: \u201c" in lead.text


def test_a_theme_of_barriers_leads_with_the_barrier_not_a_one_person_claim() -> None:
    """When most contributors raise the barrier and the theme's lead is one, the barrier is
    the theme's point: the one-person claim is "also raised", not the quoted lead."""
    members = [
        Fragment("b1", "E1", FragmentKind.BARRIER, "IG teams are too small.", 4, "clinician"),
        Fragment("b2", "E2", FragmentKind.BARRIER, "IG staff are overloaded.", 4, "researcher"),
        Fragment("b3", "E3", FragmentKind.BARRIER, "IG reviews take months.", 4, "parent_rep"),
        Fragment("c1", "E4", FragmentKind.CLAIM, "Sharing is lawful already.", 4, "clinician"),
    ]
    theme = replace(theme_of("t01", members), representative_ids=("b2", "b1"))
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    lead, aside = synthesis.statements[:2]
    assert "\u201cIG staff are overloaded.\u201d" in lead.text
    assert "3 contributors from 3 stakeholder groups" in lead.text
    assert set(lead.citations) == {"b1", "b2", "b3"}
    assert aside.text == "Also raised within this theme: \u201cSharing is lawful already.\u201d"
    assert aside.citations == ("c1",)
    # a claim theme with one reservation keeps the claim as its lead
    claims = [replace(m, kind=FragmentKind.CLAIM) for m in members[:3]] + [
        replace(members[3], kind=FragmentKind.CAVEAT)
    ]
    plain = ExtractiveDrafter().draft([theme_of("t02", claims)], [], {f.id: f for f in claims})
    assert plain.statements[1].text.startswith("Reservations raised within this theme: ")


def test_reservations_within_a_minority_view_are_named_as_its_own() -> None:
    members = [
        Fragment("r1", "E1", FragmentKind.CLAIM, "Research needs its own line.", 5, "researcher"),
        Fragment("r2", "E2", FragmentKind.CLAIM, "A research strand is vital.", 5, "researcher"),
        Fragment("r3", "E2", FragmentKind.CAVEAT, "It may split the budget.", 5, "researcher"),
    ]
    theme = theme_of("t01", members)
    assert theme.minority
    synthesis = ExtractiveDrafter().draft([theme], [], {f.id: f for f in members})
    lead, aside = synthesis.statements
    assert lead.section is aside.section is Section.MINORITY
    assert (
        aside.text
        == "Reservations raised within this minority view: \u201cIt may split the budget.\u201d"
    )
