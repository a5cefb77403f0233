"""Once round 1 opens, a study file cannot rewrite what people took part under.

The rule is `symphonia.core.study_lock`'s; here it is held through `load_study` on SQLite and
PostgreSQL: refused changes are listed and nothing is written; what is still allowed is
written; nothing a file leaves out is silently kept or dropped; and a load racing the open
of round 1 is serialised with it, so the lock records the protocol that is stored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.core.study import Panellist, ParticipantRole, RoundKind, StudyDefinition
from symphonia.db.enums import RoundStatus
from symphonia.db.models import AuditEvent, Participant, Round, Study
from symphonia.services.errors import Conflict
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.services.views import RoundView
from symphonia.studyfiles import load_study as read_study_file

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def definition(demo_study_dir: Path) -> StudyDefinition:
    return read_study_file(demo_study_dir)


async def locked(maker: Maker, definition: StudyDefinition, *, close: bool = False) -> None:
    """The demo study loaded and round 1 open (and, with `close`, closed with a fragment)."""
    async with maker() as s:
        await load_study(s, definition, actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        if close:
            frag = Fragment("f1", "E01", FragmentKind.CLAIM, "Ringfence the budget.")
            await import_fragments(s, SLUG, 1, [frag], actor=OPERATOR)
            await close_round(s, SLUG, 1, actor=OPERATOR)


async def refusal(maker: Maker, definition: StudyDefinition) -> str:
    async with maker() as s:
        with pytest.raises(Conflict) as refused:
            await load_study(s, definition, actor=OPERATOR)
    return str(refused.value)


async def snapshot(maker: Maker) -> tuple[object, ...]:
    async with maker() as s:
        study = await s.scalar(select(Study))
        assert study is not None
        people = sorted(
            (p.pseudonym, p.role.value, p.group_id, p.display_name)
            for p in await s.scalars(select(Participant))
        )
        rounds = sorted(
            (r.number, r.kind.value, r.opens_at, r.closes_at)
            for r in await s.scalars(select(Round))
        )
        events = len(list(await s.scalars(select(AuditEvent))))
        texts = (study.title, study.question, study.description, study.synthetic, study.protocol)
        return texts, people, rounds, events


async def test_every_refused_change_is_listed_and_nothing_written(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    await locked(sessionmaker, definition)
    before = await snapshot(sessionmaker)
    first, second = [p for p in definition.panel if p.group][:2]
    dropped = definition.panel[-1]
    other = next(g.id for g in definition.groups if g.id != first.group)
    changes = {
        first.pseudonym: replace(first, group=other),
        second.pseudonym: replace(second, role=ParticipantRole.EDITOR),
    }
    edited = replace(
        definition,
        title="A better title",
        question="A different question?",
        synthetic=not definition.synthetic,
        panel=tuple(changes.get(p.pseudonym, p) for p in definition.panel if p is not dropped),
        rounds=(
            replace(definition.rounds[0], opens=dt.date(2024, 1, 1)),
            *definition.rounds[1:],
        ),
        protocol=replace(definition.protocol, max_iqr=3.0),
    )
    message = await refusal(sessionmaker, edited)
    assert message.splitlines()[0].endswith("refusing 8 change(s), nothing was written:")
    for expected in (
        'study.title: "Connected ICB',
        'study.question: "',
        f"study.synthetic: {'true' if definition.synthetic else 'false'} → ",
        "protocol.max_iqr: 2.0 → 3.0",
        f'panel.{first.pseudonym}.group: "{first.group}" → "{other}"',
        f'panel.{second.pseudonym}.role: "expert" → "editor"',
        f"panel.{dropped.pseudonym}: is missing from the file; a panellist cannot be removed",
        "rounds.1.opens: ",
    ):
        assert expected in message, (expected, message)
    assert await snapshot(sessionmaker) == before


async def test_new_panellists_join_until_a_round_closes(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    group = definition.groups[0].id
    late = replace(definition, panel=(*definition.panel, Panellist("E90", group)))
    await locked(sessionmaker, definition)
    async with sessionmaker() as s:
        outcome = await load_study(s, late, actor=OPERATOR)  # round 1 still open: no result exists
    assert outcome.added_participants == 1
    async with sessionmaker() as s:
        await close_round(s, SLUG, 1, actor=OPERATOR)
    later = replace(late, panel=(*late.panel, Panellist("E91", group)))
    message = await refusal(sessionmaker, later)
    assert "panel.E91: is new; the panel is fixed once a round has closed" in message


async def test_the_schedule_ahead_may_change_but_not_the_rounds_that_ran(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    await locked(sessionmaker, definition)
    one, two, three = definition.rounds
    moved = replace(definition, rounds=(one, replace(two, closes=dt.date(2031, 5, 1)), three))
    async with sessionmaker() as s:
        assert (await load_study(s, moved, actor=OPERATOR)).changed
    shorter = replace(moved, rounds=(one, replace(two, closes=dt.date(2031, 5, 1))))
    async with sessionmaker() as s:
        outcome = await load_study(s, shorter, actor=OPERATOR)
    assert outcome.removed_rounds == 1
    async with sessionmaker() as s:
        rounds = {r.number: r for r in await s.scalars(select(Round))}
    assert sorted(rounds) == [1, 2]
    assert rounds[2].closes_at == dt.datetime(2031, 5, 1, tzinfo=dt.UTC)
    rated = replace(one, kind=RoundKind.RATE, fragments=None)
    rekinded = replace(shorter, rounds=(rated, shorter.rounds[1]))
    assert 'rounds.1.kind: "contribute" → "rate" (it has opened)' in await refusal(
        sessionmaker, rekinded
    )
    dropped = replace(shorter, rounds=())
    assert "rounds.1: has opened; it cannot be removed" in await refusal(sessionmaker, dropped)


async def test_before_round_one_the_database_follows_the_file(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    kept = tuple(p for p in definition.panel if p.group != definition.groups[-1].id)
    used = {p.group for p in kept}
    smaller = replace(
        definition,
        panel=kept,
        groups=tuple(g for g in definition.groups if g.id in used),
        rounds=definition.rounds[:2],
        title="Renamed before anyone took part",
    )
    async with sessionmaker() as s:
        outcome = await load_study(s, smaller, actor=OPERATOR)
    assert outcome.removed_participants == len(definition.panel) - len(kept) > 0
    assert outcome.removed_rounds == 1
    assert outcome.removed_groups == 1
    async with sessionmaker() as s:
        assert len(list(await s.scalars(select(Participant)))) == len(kept)
        study = await s.scalar(select(Study))
        assert study is not None
        assert study.title == "Renamed before anyone took part"
        detail = (await s.scalars(select(AuditEvent).order_by(AuditEvent.at))).all()[-1].detail
    assert detail["participants_removed"] == outcome.removed_participants


async def test_a_private_name_may_still_be_corrected(
    sessionmaker: Maker, definition: StudyDefinition
) -> None:
    await locked(sessionmaker, definition)
    first, *rest = definition.panel
    async with sessionmaker() as s:
        await load_study(
            s, replace(definition, panel=(replace(first, name="Dr P"), *rest)), actor=OPERATOR
        )


Step = Callable[[AsyncSession], Awaitable[object]]


async def race(maker: Maker, holder: Step, racer: Step) -> object:
    """Run `holder` in a transaction kept open while `racer` starts in another; the racer
    must wait for it (the study's row lock). Returns the racer's result, or its error."""

    async def run_racer() -> object:
        async with maker() as s:
            return await racer(s)

    async with maker() as held, held.begin():
        await holder(held)
        racing = asyncio.create_task(run_racer())
        await asyncio.sleep(0.5)
        assert not racing.done(), "the second did not wait for the first to finish"
    try:
        return await asyncio.wait_for(racing, 30)
    except Conflict as exc:
        return exc


@pytest.mark.parametrize("first", ["open", "load"])
async def test_a_load_and_the_open_of_round_one_run_one_after_the_other(
    sessionmaker: Maker, definition: StudyDefinition, db_backend: str, first: str
) -> None:
    """Whichever comes first, the protocol the lock event records is the one stored: a load
    after the open is judged by the lock; an open after the load locks what it wrote."""
    if db_backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite admits one writer at a time anyway")
    async with sessionmaker() as s:
        await load_study(s, definition, actor=OPERATOR)
    stricter = replace(definition, protocol=replace(definition.protocol, agreement_threshold=0.8))

    async def open_one(s: AsyncSession) -> object:
        return await open_round(s, SLUG, 1, actor=OPERATOR)

    async def load(s: AsyncSession) -> object:
        return await load_study(s, stricter, actor=OPERATOR)

    if first == "open":
        late = await race(sessionmaker, open_one, load)
        assert isinstance(late, Conflict)
        assert "protocol.agreement_threshold: 0.7 → 0.8" in str(late)
        assert await locked_protocol(sessionmaker) == (0.7, 0.7)
    else:
        opened = await race(sessionmaker, load, open_one)
        assert isinstance(opened, RoundView)
        assert opened.status is RoundStatus.OPEN
        assert await locked_protocol(sessionmaker) == (0.8, 0.8)


async def locked_protocol(maker: Maker) -> tuple[float, float]:
    """(the stored protocol's threshold, the one the `protocol.locked` event recorded)."""
    async with maker() as s:
        study = await s.scalar(select(Study))
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "protocol.locked"))
    assert study is not None
    assert event is not None
    return study.protocol["agreement_threshold"], event.detail["protocol"]["agreement_threshold"]
