"""Studies, rounds and imports through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind, Rating
from symphonia.core.study import RatingItem
from symphonia.db.enums import RoundStatus
from symphonia.db.models import AuditEvent, Round, Study
from symphonia.db.models import Fragment as FragmentRow
from symphonia.db.models import Rating as RatingRow
from symphonia.interchange import read_fragments
from symphonia.services.errors import Conflict, NotFound, RejectedInput
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments, import_ratings
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]


async def count(maker: Maker, model: type) -> int:
    async with maker() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def definition(demo_study_dir: Path):  # type: ignore[no-untyped-def]
    return read_study_file(demo_study_dir)


async def test_loading_twice_is_idempotent_and_audited(sessionmaker: Maker, definition) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        first = await load_study(s, definition, actor=OPERATOR)
    async with sessionmaker() as s:
        again = await load_study(s, definition, actor=OPERATOR)
    assert first.created
    assert len(definition.experts) == 15
    assert (first.added_participants, first.added_rounds) == (len(definition.panel), 3)
    assert not again.created
    assert (again.added_groups, again.added_participants, again.added_rounds) == (0, 0, 0)
    async with sessionmaker() as s:
        actions = list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.at)))
    assert actions == ["study.created"], "loading an unchanged study records no change"


async def test_protocol_locks_when_round_one_opens(sessionmaker: Maker, definition) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    looser = replace(definition, protocol=replace(definition.protocol, agreement_threshold=0.6))
    async with sessionmaker() as s:
        await load_study(s, looser, actor=OPERATOR)  # before round 1 opens, a change is fine
    async with sessionmaker() as s:
        await open_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match=r"protocol.agreement_threshold: 0.6 → 0.7"):
            await load_study(s, definition, actor=OPERATOR)
    async with sessionmaker() as s:
        study = await s.scalar(select(Study))
        assert study is not None
        assert study.protocol["agreement_threshold"] == 0.6
        assert study.protocol_locked_at is not None


async def test_round_state_machine(sessionmaker: Maker, definition) -> None:  # type: ignore[no-untyped-def]
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="only an open round can close"):
            await close_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        await open_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match=r"round 1 .* is still open"):
            await open_round(s, SLUG, 2, actor=OPERATOR)
    async with sessionmaker() as s:
        await close_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="only a draft round can open"):
            await open_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(NotFound, match=r"unknown study 'nope'.*connected-icb"):
            await open_round(s, "nope", 1, actor=OPERATOR)
        with pytest.raises(NotFound, match=r"has no round 9 \(rounds: 1, 2, 3\)"):
            await open_round(s, SLUG, 9, actor=OPERATOR)


async def test_fragment_import_is_all_or_nothing(
    sessionmaker: Maker,
    definition,
    demo_study_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    fragments = read_fragments(demo_study_dir / "round1-fragments.jsonl")
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    stranger = Fragment("zz1", "X99", FragmentKind.CLAIM, "Not on the panel.", 3)
    wrong_group = Fragment("zz2", "E01", FragmentKind.CLAIM, "Wrong group.", 3, "parent_rep")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_fragments(s, SLUG, 1, [*fragments, stranger, wrong_group], actor=OPERATOR)
    message = str(refused.value)
    assert "author 'X99' is not on the panel" in message
    assert "group 'parent_rep' does not match E01's group" in message
    assert await count(sessionmaker, FragmentRow) == 0
    async with sessionmaker() as s:
        outcome = await import_fragments(s, SLUG, 1, fragments, actor=OPERATOR)
    assert outcome.imported == len(fragments) == await count(sessionmaker, FragmentRow)
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput, match="already imported into round 1"):
            await import_fragments(s, SLUG, 1, fragments[:1], actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="closed; fragments can only be imported into an open"):
            await import_fragments(s, SLUG, 1, [stranger], actor=OPERATOR)


async def open_round_one_with_demo_fragments(
    s: AsyncSession,
    definition,  # type: ignore[no-untyped-def]
    demo_study_dir: Path,
) -> None:
    """The demo study loaded, round 1 open and holding the demo's fragments."""
    await load_study(s, definition, actor=OPERATOR)
    await open_round(s, SLUG, 1, actor=OPERATOR)
    await import_fragments(
        s,
        SLUG,
        1,
        read_fragments(demo_study_dir / "round1-fragments.jsonl"),
        actor=OPERATOR,
    )


async def test_rating_import_checks_items_raters_scale_and_round_kind(
    sessionmaker: Maker,
    definition,
    demo_study_dir: Path,  # type: ignore[no-untyped-def]
) -> None:
    async with sessionmaker() as s:
        await open_round_one_with_demo_fragments(s, definition, demo_study_dir)
        with pytest.raises(Conflict, match="contribute round; ratings belong in a rate round"):
            await import_ratings(s, SLUG, 1, [Rating("f001", "E01", 5)], actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)
    item = RatingItem("s99", "A statement.", ("f001", "f002"))
    bad = [
        Rating("nope", "E01", 5),
        Rating("s99", "E01", 10),
        Rating("s99", "X01", 5),
        Rating("s99", "E02", 5),
        Rating("s99", "E02", 6),
    ]
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_ratings(s, SLUG, 2, bad, [item], actor=OPERATOR)
    message = str(refused.value)
    assert "rating of 'nope' by 'E01': item: unknown item 'nope'" in message
    assert "rating of 's99' by 'E01': score: 10 is outside the scale 1–9" in message
    assert "rating of 's99' by 'X01': rater: 'X01' is not on the panel" in message
    assert "duplicate rating in this import" in message
    assert await count(sessionmaker, RatingRow) == 0
    good = [Rating("s99", "E01", 8), Rating("f001", "E02", 7)]
    async with sessionmaker() as s:
        outcome = await import_ratings(s, SLUG, 2, good, [item], actor=OPERATOR)
    assert outcome.imported == 2
    async with sessionmaker() as s:
        rnd = await s.scalar(select(Round).where(Round.number == 2))
        assert rnd is not None
        assert rnd.status is RoundStatus.OPEN


async def test_only_experts_rate_and_items_must_cite_real_evidence(
    sessionmaker: Maker,
    definition,  # type: ignore[no-untyped-def]
    demo_study_dir: Path,
) -> None:
    async with sessionmaker() as s:
        await open_round_one_with_demo_fragments(s, definition, demo_study_dir)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)
    ghost = RatingItem("s98", "A statement about nothing.", ("f001", "ghost"))
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_ratings(s, SLUG, 2, [Rating("f001", "F01", 5)], [ghost], actor=OPERATOR)
    message = str(refused.value)
    assert "'F01' is a facilitator; only experts rate" in message
    assert (
        "item 's98': fragment_ids: cites unknown fragment 'ghost', which is not in the "
        "evidence round"
    ) in message
    assert await count(sessionmaker, RatingRow) == 0


async def test_anonymity_locks_with_the_protocol(sessionmaker: Maker, definition) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from symphonia.core.study import Anonymity

    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    named = replace(definition, anonymity=Anonymity.ANONYMOUS)
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match=r'study\.anonymity: "pseudonymous" → "anonymous"'):
            await load_study(s, named, actor=OPERATOR)


async def test_panellists_keep_their_group_once_round_one_opens(
    sessionmaker: Maker,
    definition,  # type: ignore[no-untyped-def]
) -> None:
    from dataclasses import replace

    first = next(p for p in definition.panel if p.group)
    rest = [p for p in definition.panel if p is not first]
    other = next(g.id for g in definition.groups if g.id != first.group)
    moved = replace(definition, panel=[replace(first, group=other), *rest])
    async with sessionmaker() as s:
        await load_study(s, moved, actor=OPERATOR)  # before round 1 the panel may still change
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
    async with sessionmaker() as s:
        with pytest.raises(Conflict) as refused:
            await load_study(s, moved, actor=OPERATOR)
    assert f'panel.{first.pseudonym}.group: "{first.group}" → "{other}"' in str(refused.value)
    renamed = replace(definition, panel=[replace(first, name="Dr Renamed"), *rest])
    async with sessionmaker() as s:
        await load_study(s, renamed, actor=OPERATOR)  # a private name may still be corrected


async def test_an_id_naming_both_a_fragment_and_a_statement_must_be_declared(
    sessionmaker: Maker,
    definition,  # type: ignore[no-untyped-def]
) -> None:
    from symphonia.services.analysis import analyse_round
    from tests.unit.pipeline.conftest import CountingEmbedder

    # Unrelated texts: each fragment is a singular view, drafted as statement "sv-<id>".
    fragments = [
        Fragment("f001", "E01", FragmentKind.CLAIM, "Budgets are ringfenced."),
        Fragment("f002", "E02", FragmentKind.BARRIER, "Consent rules differ by council."),
        Fragment("sv-f001", "E03", FragmentKind.EXAMPLE, "A pilot in Leeds shared data."),
    ]
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        await import_fragments(s, SLUG, 1, fragments, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
        outcome = await analyse_round(s, SLUG, 1, CountingEmbedder(), None, actor=OPERATOR)
        await open_round(s, SLUG, 2, actor=OPERATOR)
    keys = {st.id for st in outcome.result.synthesis.statements}
    assert {"sv-f001", "sv-f002"} <= keys

    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await import_ratings(s, SLUG, 2, [Rating("sv-f001", "E01", 7)], actor=OPERATOR)
    assert "'sv-f001' names both a fragment and a statement" in str(refused.value)

    # Unambiguous ids resolve on their own; the ambiguous one once declared.
    declared = RatingItem("sv-f001", "A pilot in Leeds shared data.", ("sv-f001",))
    ratings = [
        Rating("f002", "E01", 7),
        Rating("sv-f002", "E01", 8),
        Rating("sv-f001", "E01", 6),
    ]
    async with sessionmaker() as s:
        done = await import_ratings(s, SLUG, 2, ratings, [declared], actor=OPERATOR)
    assert done.imported == 3
