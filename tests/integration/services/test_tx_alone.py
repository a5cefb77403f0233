"""`alone` and `reading`: one statement as a transaction of its own (autocommit, no BEGIN
and COMMIT round trips), or part of the caller's transaction when there is one; on a
session bound to an engine or to a connection, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.db.audit import write_event
from symphonia.db.models import AuditEvent
from symphonia.services.tx import alone, reading, transaction

ACTOR = Actor.operator("test")
Maker = async_sessionmaker[AsyncSession]


async def _write(session: AsyncSession, action: str) -> None:
    async with alone(session) as connection:
        await connection.run_sync(write_event, ACTOR, action, "thing", "a")


async def _then_fail(session: AsyncSession) -> None:
    async with transaction(session):
        await _write(session, "test.undone")
        raise LookupError("the caller fails afterwards")


async def _actions(maker: Maker) -> list[str]:
    async with maker() as s:
        found = await s.scalars(
            select(AuditEvent.action).where(AuditEvent.action.startswith("test."))
        )
        return sorted(found)


async def test_a_lone_write_commits_by_itself(sessionmaker: Maker) -> None:
    async with sessionmaker() as session:
        await _write(session, "test.alone")
        assert not session.in_transaction()
        assert await _actions(sessionmaker) == ["test.alone"]  # seen from another session
        async with reading(session) as connection:
            count = await connection.scalar(select(func.count()).select_from(AuditEvent))
        assert count == 1


async def test_in_a_callers_transaction_it_is_part_of_it(sessionmaker: Maker) -> None:
    async with sessionmaker() as session:
        with pytest.raises(LookupError):
            await _then_fail(session)
    assert await _actions(sessionmaker) == []


async def test_on_a_session_bound_to_a_connection(engine: AsyncEngine, sessionmaker: Maker) -> None:
    async with engine.connect() as bound:
        async with AsyncSession(bind=bound) as session:
            await _write(session, "test.bound")
            async with reading(session) as connection:
                count = await connection.scalar(select(func.count()).select_from(AuditEvent))
        assert count == 1
        await bound.commit()
    assert await _actions(sessionmaker) == ["test.bound"]
