"""Items curated from round-1 action fragments, and what locks when (SQLite and PostgreSQL):
criteria and weights from round 1, the items from the first rating round."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.priorities.definition import Criterion, Prioritisation, PriorityItem
from symphonia.core.priorities.scores import PriorityScore
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
    StudyKind,
)
from symphonia.services.errors import Conflict, RejectedInput
from symphonia.services.priority_items import (
    candidate_fragments,
    list_priority_items,
    promote_fragments,
)
from symphonia.services.priority_scores import import_priority_scores
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments

OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]
SETUP = Prioritisation(
    criteria=(Criterion("impact", "Impact", 0.5), Criterion("feasibility", "Feasibility", 0.5))
)
STUDY = StudyDefinition(
    id="pick",
    title="Which first?",
    question="Which use case first?",
    groups=(StakeholderGroup("a", "A"), StakeholderGroup("b", "B")),
    panel=(Panellist("E01", "a"), Panellist("E02", "b")),
    rounds=(RoundDefinition(1, RoundKind.CONTRIBUTE), RoundDefinition(2, RoundKind.RATE)),
    kind=StudyKind.PRIORITISE,
    prioritise=SETUP,
)
FRAGMENTS = [
    Fragment("f1", "E01", FragmentKind.ACTION, "Build a developmental passport from EYFS data."),
    Fragment("f2", "E02", FragmentKind.ACTION, "Follow children identified at two into nursery."),
    Fragment("f3", "E02", FragmentKind.CLAIM, "Data quality in early years is poor."),
]
PASSPORT = PriorityItem("passport", "Developmental passport", "From EYFS data.", ("f1",))


@pytest.fixture
async def contributed(sessionmaker: Maker) -> None:
    """The study loaded, round 1 run with three fragments (two of them actions) and closed."""
    async with sessionmaker() as s:
        await load_study(s, STUDY, actor=OPERATOR)
        await open_round(s, "pick", 1, actor=OPERATOR)
        await import_fragments(s, "pick", 1, FRAGMENTS, actor=OPERATOR)
        await close_round(s, "pick", 1, actor=OPERATOR)


async def test_action_fragments_become_items(sessionmaker: Maker, contributed: None) -> None:
    async with sessionmaker() as s:
        found = await candidate_fragments(s, "pick", actor=OPERATOR)
        assert [(f.id, f.author, f.group, f.promoted_to) for f in found] == [
            ("f1", "E01", "a", ()),
            ("f2", "E02", "b", ()),
        ]
        early = PriorityItem("early", "Early follow-up", fragment_ids=("f2", "f1"))
        made = await promote_fragments(s, "pick", [PASSPORT, early], actor=OPERATOR)
        assert [(i.id, i.fragment_ids) for i in made] == [
            ("passport", ("f1",)),
            ("early", ("f2", "f1")),
        ]
        listed = await list_priority_items(s, "pick", actor=OPERATOR)
        assert [i.id for i in listed] == ["passport", "early"]
        found = await candidate_fragments(s, "pick", actor=OPERATOR)
        assert [f.promoted_to for f in found] == [("passport", "early"), ("early",)]


async def test_a_bad_promotion_is_refused_whole(sessionmaker: Maker, contributed: None) -> None:
    bad = [
        PASSPORT,
        PriorityItem("claimed", "From a claim", fragment_ids=("f3",)),
        PriorityItem("ghost", "From nothing", fragment_ids=("f9",)),
        PriorityItem("bare", "No fragments"),
        PriorityItem("bad id", "Spaces"),
        PriorityItem("passport", "Twice", fragment_ids=("f1",)),
    ]
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await promote_fragments(
                s, "pick", bad, "items.jsonl", lines=[1, 2, 3, 4, 5, 6], actor=OPERATOR
            )
        assert await list_priority_items(s, "pick", actor=OPERATOR) == ()
    problems = [str(p) for p in refused.value.problems]
    assert problems[:3] == [
        "items.jsonl:2: item 'claimed': fragment_ids: 'f3' is not a current action fragment "
        "of a closed contribute round",
        "items.jsonl:3: item 'ghost': fragment_ids: 'f9' is not a current action fragment "
        "of a closed contribute round",
        "items.jsonl:4: item 'bare': fragment_ids: name the action fragments it comes from",
    ]
    assert any(p.startswith("items.jsonl:5: item 'bad id': id: ") for p in problems)
    assert problems[-1] == "items.jsonl: id: 'passport' appears twice"


async def test_what_locks_when(sessionmaker: Maker, contributed: None) -> None:
    async with sessionmaker() as s:
        await promote_fragments(s, "pick", [PASSPORT], actor=OPERATOR)
        # round 1 has opened: the weights are fixed, the items (in the file) not yet
        reweighted = replace(
            SETUP,
            criteria=(
                Criterion("impact", "Impact", 0.7),
                Criterion("feasibility", "Feasibility", 0.3),
            ),
        )
        with pytest.raises(Conflict) as refused:
            await load_study(s, replace(STUDY, prioritise=reweighted), actor=OPERATOR)
        assert "prioritise.criteria.impact.weight: 0.5 → 0.7" in str(refused.value)
        assert "nothing was written" in str(refused.value)
        taken = replace(SETUP, items=(PriorityItem("passport", "From the file"),))
        with pytest.raises(RejectedInput, match="'passport' is an item promoted from fragments"):
            await load_study(s, replace(STUDY, prioritise=taken), actor=OPERATOR)
        from_file = replace(SETUP, items=(PriorityItem("oral", "Oral health"),))
        await load_study(s, replace(STUDY, prioritise=from_file), actor=OPERATOR)
        assert [i.id for i in await list_priority_items(s, "pick", actor=OPERATOR)] == [
            "oral", "passport",
        ]  # fmt: skip
        await open_round(s, "pick", 2, actor=OPERATOR)
        # a rating round has opened: the items are fixed too
        with pytest.raises(Conflict, match="the items are fixed"):
            await promote_fragments(
                s, "pick", [PriorityItem("x", "X", fragment_ids=("f2",))], actor=OPERATOR
            )
        more = replace(SETUP, items=(*from_file.items, PriorityItem("new", "New")))
        with pytest.raises(Conflict) as refused:
            await load_study(s, replace(STUDY, prioritise=more), actor=OPERATOR)
        assert "prioritise.items.new: is new; the items are fixed" in str(refused.value)
        scores = [
            PriorityScore("passport", "impact", "E01", 8),
            PriorityScore("oral", "feasibility", "E02", None),
        ]
        done = await import_priority_scores(s, "pick", 2, scores, actor=OPERATOR)
        assert done.imported == 2
