"""`write_at_once`: a write use case given as blocking Core statements, run as one
transaction on both backends (on SQLite, the whole of it in one trip to the connection's
thread): everything it writes commits together, nothing when it raises, and in a caller's
transaction it is part of that transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.db.audit import write_event
from symphonia.db.models import AuditEvent
from symphonia.services.tx import transaction, write_at_once

ACTOR = Actor.operator("test")


def _two_events(connection: Connection) -> str:
    write_event(connection, ACTOR, "test.first", "thing", "a")
    write_event(connection, ACTOR, "test.second", "thing", "a")
    return "done"


def _event_then_failure(connection: Connection) -> None:
    write_event(connection, ACTOR, "test.lost", "thing", "a")
    raise ValueError("refused after writing")


async def _actions(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        found = await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith("test."))
            .order_by(AuditEvent.action)
        )
        return list(found)


async def _then_fail(session: AsyncSession) -> None:
    async with transaction(session):
        await write_at_once(session, _two_events)
        assert session.in_transaction()  # not committed on its own
        raise LookupError("the caller fails afterwards")


async def test_its_statements_commit_together(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        assert await write_at_once(session, _two_events) == "done"
        assert not session.in_transaction()
    assert await _actions(sessionmaker) == ["test.first", "test.second"]


async def test_a_failure_writes_nothing_and_the_session_goes_on(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        with pytest.raises(ValueError, match="refused after writing"):
            await write_at_once(session, _event_then_failure)
        assert not session.in_transaction()
        assert await _actions(sessionmaker) == []
        await write_at_once(session, _two_events)
    assert await _actions(sessionmaker) == ["test.first", "test.second"]


async def test_in_a_callers_transaction_it_is_part_of_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with sessionmaker() as session:
        with pytest.raises(LookupError):
            await _then_fail(session)
    assert await _actions(sessionmaker) == []
    async with sessionmaker() as session, transaction(session):
        await write_at_once(session, _two_events)
    assert await _actions(sessionmaker) == ["test.first", "test.second"]
