"""record_event writes in the caller's transaction: committed with it, rolled back with it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, ActorKind
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus
from symphonia.db.models import AuditEvent, Round
from symphonia.db.repositories import AuditEventRepository

if TYPE_CHECKING:  # the fixture's type; conftest modules are not importable at run time
    from conftest import Seed


async def test_event_committed_with_the_change(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker() as s:
        round_ = await s.get_one(Round, seed.round.id)
        round_.status = RoundStatus.CLOSED
        record_event(
            s,
            actor=Actor(ActorKind.PARTICIPANT, seed.editor.id, "participant:ED1"),
            action="round.closed",
            subject_type="round",
            subject_id=round_.id,
            study_id=seed.study.id,
            detail={"from": "open", "to": "closed"},
        )
        await s.commit()

    async with sessionmaker() as s:
        events = await AuditEventRepository(session=s).get_many()
        assert len(events) == 1
        event = events[0]
        assert (event.actor, event.action, event.subject_type) == (
            "participant:ED1",
            "round.closed",
            "round",
        )
        assert (event.actor_kind, event.actor_id) == ("participant", seed.editor.id)
        assert event.subject_id == str(seed.round.id)
        assert event.study_id == seed.study.id
        assert event.detail == {"from": "open", "to": "closed"}
        assert event.at.tzinfo is not None


async def test_event_rolled_back_with_the_change(seed: Seed, session: AsyncSession) -> None:
    record_event(session, Actor.operator(), "study.updated", "study", "demo")
    await session.flush()
    await session.rollback()
    count = (await session.execute(select(func.count()).select_from(AuditEvent))).scalar_one()
    assert count == 0


async def test_events_without_study(session: AsyncSession) -> None:
    event = record_event(session, Actor.system(), "maintenance.ran", "system", 0)
    await session.commit()
    assert event.study_id is None
    assert event.subject_id == "0"
    assert (event.actor, event.actor_kind, event.actor_id) == ("system", "system", None)


@pytest.mark.parametrize("field", ["action", "subject_type"])
async def test_empty_names_refused(field: str, session: AsyncSession) -> None:
    values = {"action": "x.y", "subject_type": "study", field: " "}
    with pytest.raises(ValueError, match=field):
        record_event(session, Actor.operator(), subject_id="1", **values)


def test_an_actor_without_a_label_is_refused() -> None:
    with pytest.raises(ValueError, match="label"):
        Actor.operator(" ")
