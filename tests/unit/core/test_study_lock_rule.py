"""The lock rule as a pure function: what a study file may change once round 1 has opened."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from symphonia.core.protocol import Protocol
from symphonia.core.study import (
    Anonymity,
    Panellist,
    ParticipantRole,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.core.study_lock import locked_study_changes

STUDY = StudyDefinition(
    id="s",
    title="Title",
    question="Question?",
    groups=(StakeholderGroup("a", "Group A"), StakeholderGroup("b", "Group B")),
    panel=(
        Panellist("E01", "a"),
        Panellist("E02", "b", name="Ann"),
        Panellist("F01", None, ParticipantRole.FACILITATOR),
    ),
    rounds=(
        RoundDefinition(1, RoundKind.CONTRIBUTE, dt.date(2025, 1, 1), dt.date(2025, 2, 1)),
        RoundDefinition(2, RoundKind.RATE),
    ),
)


def edit(**fields: object) -> StudyDefinition:
    """STUDY with `fields` changed, unchecked (the rule is judged, not the definition)."""
    return replace(STUDY, check=False, **fields)  # type: ignore[arg-type]


def changes(
    wanted: StudyDefinition, *, closed: bool = False, opened: tuple[int, ...] = (1,)
) -> list[str]:
    return [
        f"{field}: {reason}"
        for field, reason in locked_study_changes(
            STUDY, wanted, opened_rounds=opened, any_closed=closed
        )
    ]


def test_an_unchanged_study_has_nothing_to_refuse() -> None:
    assert changes(STUDY, closed=True, opened=(1, 2)) == []


def test_texts_flags_and_protocol_are_fixed() -> None:
    wanted = edit(
        title="New",
        description="Added later",
        anonymity=Anonymity.ANONYMOUS,
        protocol=replace(Protocol(), min_participation=0.5),
    )
    assert changes(wanted) == [
        'study.title: "Title" → "New"',
        'study.description: "" → "Added later"',
        'study.anonymity: "pseudonymous" → "anonymous"',
        "protocol.min_participation: 0.6 → 0.5",
    ]


def test_groups_may_be_added_not_renamed_or_dropped() -> None:
    added = edit(groups=(*STUDY.groups, StakeholderGroup("c", "Group C")))
    assert changes(added, closed=True) == []
    renamed = edit(groups=(StakeholderGroup("a", "A!"), STUDY.groups[1]))
    assert changes(renamed) == ['groups.a.name: "Group A" → "A!"']
    dropped = edit(groups=STUDY.groups[:1], panel=STUDY.panel[:1])
    assert "groups.b: is missing from the file; a stakeholder group cannot be removed" in changes(
        dropped
    )


def test_names_are_fixed_only_where_reports_show_them() -> None:
    renamed = replace(
        STUDY, panel=(STUDY.panel[0], replace(STUDY.panel[1], name="Bea"), STUDY.panel[2])
    )
    assert changes(renamed) == []
    named = edit(anonymity=Anonymity.NAMED)
    renamed_named = replace(renamed, anonymity=Anonymity.NAMED, check=False)
    assert locked_study_changes(named, renamed_named, opened_rounds=(1,), any_closed=False) == [
        ("panel.E02.name", '"Ann" → "Bea"')
    ]


def test_draft_rounds_are_the_future_and_may_change() -> None:
    rescheduled = replace(
        STUDY, rounds=(STUDY.rounds[0], replace(STUDY.rounds[1], opens=dt.date(2026, 1, 1)))
    )
    assert changes(rescheduled) == []
    assert changes(edit(rounds=STUDY.rounds[:1])) == []
    assert changes(rescheduled, opened=(1, 2)) == [
        'rounds.2.opens: (none) → "2026-01-01" (it has opened)'
    ]


PANEL_EDITS = st.sampled_from(["role", "group", "drop", "add"])


@given(kind=PANEL_EDITS, who=st.integers(0, 1), closed=st.booleans())
def test_every_panel_change_is_refused_except_a_newcomer_before_any_close(
    kind: str, who: int, closed: bool
) -> None:
    person = STUDY.panel[who]
    others = tuple(p for p in STUDY.panel if p is not person)
    if kind == "role":
        panel = (replace(person, role=ParticipantRole.EDITOR), *others)
    elif kind == "group":
        panel = (replace(person, group="b" if person.group == "a" else "a"), *others)
    elif kind == "drop":
        panel = others
    else:
        panel = (*STUDY.panel, Panellist("E99", "a"))
    refused = changes(edit(panel=panel), closed=closed)
    if kind == "add" and not closed:
        assert refused == []
    else:
        assert len(refused) == 1
        assert refused[0].startswith("panel.E99" if kind == "add" else f"panel.{person.pseudonym}")
