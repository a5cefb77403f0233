"""The PostgreSQL pool hands out live connections: one that died while idle in the pool (a
server restart, an idle timeout) is pinged, found dead and replaced before a request gets it;
one given back moments ago is handed out again without a ping (see
:func:`symphonia.db.engine._ping_when_idle`)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from symphonia.db import engine as engine_module


def _postgres_only(engine: AsyncEngine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite connections are files, not sockets: nothing to ping")


def _count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    dialect = engine.sync_engine.dialect
    real = dialect.do_ping
    pings: list[object] = []

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        pid: int = await conn.scalar(text("SELECT pg_backend_pid()"))
    return pid


async def _kill(engine: AsyncEngine, pid: int) -> None:
    """End backend `pid` from a connection outside the pool, as a server restart would."""
    other = engine_module.create_engine(engine.url, poolclass=NullPool)
    try:
        async with other.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_a_connection_that_died_while_idle_is_replaced(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgres_only(engine)
    first = await _backend_pid(engine)
    await _kill(engine, first)
    pings = _count_pings(engine, monkeypatch)
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)  # it has been idle "long"
    async with engine.connect() as conn:  # no error: the dead one was pinged and replaced
        assert await conn.scalar(text("SELECT 1")) == 1
    assert len(pings) == 1
    assert await _backend_pid(engine) != first


async def test_a_connection_just_given_back_is_not_pinged(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _postgres_only(engine)
    first = await _backend_pid(engine)  # one connection in the pool, given back just now
    pings = _count_pings(engine, monkeypatch)
    assert await _backend_pid(engine) == first
    assert pings == []
