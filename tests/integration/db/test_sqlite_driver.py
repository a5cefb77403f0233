"""The SQLite adapter (`symphonia.db.sqlite_driver`): one thread trip per statement, BEGIN sent
with the first statement, COMMIT and ROLLBACK only when SQLite is in a transaction; and the
transactions behave exactly as before (the write lock taken at BEGIN IMMEDIATE, rollback,
errors, the connection reusable after any of them)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from symphonia.db import engine as engine_module
from symphonia.db.engine import create_engine, create_sessionmaker
from symphonia.services.tx import reading, transaction, write_at_once


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, Path]]:
    path = tmp_path / "db.sqlite"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    yield engine, path
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions run on aiosqlite's connection threads, by name, from now on."""
    seen: list[str] = []
    original: Callable[..., Any] = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


def _locked(path: Path) -> bool:
    """Whether another connection holds SQLite's write lock right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return True
    finally:
        other.close()  # rolls back what it began
    return False


async def test_a_write_transaction_is_one_trip_per_statement_and_its_commit(
    db: tuple[AsyncEngine, Path], trips: list[str]
) -> None:
    engine, _ = db
    async with create_sessionmaker(engine)() as session:
        await session.connection()  # the pool's connection made before counting
    trips.clear()
    async with create_sessionmaker(engine)() as session, transaction(session):
        await session.execute(text("SELECT count(*) FROM t"))
        await session.execute(text("INSERT INTO t (n) VALUES (1)"))
        await session.execute(text("INSERT INTO t (n) VALUES (2)"))
    # BEGIN IMMEDIATE went with the SELECT; the pool's ROLLBACK after COMMIT was skipped
    assert trips == ["_run", "_run", "_run", "_end"]


async def test_a_lone_read_is_one_trip_with_no_transaction(
    db: tuple[AsyncEngine, Path], trips: list[str]
) -> None:
    engine, path = db
    async with create_sessionmaker(engine)() as session:
        await session.connection()
    trips.clear()
    async with create_sessionmaker(engine)() as session:
        async with reading(session) as connection:
            assert (await connection.scalar(text("SELECT count(*) FROM t"))) == 0
            assert not _locked(path)
        assert trips == ["_run"]  # no BEGIN, so no COMMIT; no ROLLBACK at check-in
        async with transaction(session, write=False), reading(session) as connection:
            await connection.scalar(text("SELECT count(*) FROM t"))  # in the caller's
    assert trips == ["_run", "_run", "_end"]


async def test_begin_immediate_still_takes_the_write_lock_before_the_first_statement_returns(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, path = db
    async with create_sessionmaker(engine)() as session:
        async with transaction(session):
            assert not _locked(path)  # nothing sent yet: nothing to lock
            await session.execute(text("SELECT count(*) FROM t"))  # a read first, then...
            assert _locked(path)  # ...the lock is held already (BEGIN IMMEDIATE went first)
            await session.execute(text("INSERT INTO t (n) VALUES (1)"))
        assert not _locked(path)
        async with transaction(session, write=False):
            await session.execute(text("SELECT count(*) FROM t"))
            assert not _locked(path)  # a plain BEGIN takes no write lock


async def _insert(session: AsyncSession, *numbers: int) -> None:
    async with transaction(session):
        for n in numbers:
            await session.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})


async def test_a_failed_statement_rolls_back_the_transaction_and_the_connection_goes_on(
    db: tuple[AsyncEngine, Path],
) -> None:
    engine, path = db
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        with pytest.raises(IntegrityError):
            await _insert(session, 1, 1)
        assert not _locked(path)
        async with transaction(session):  # a transaction that runs nothing ends cleanly
            pass
        async with transaction(session):
            await session.execute(text("INSERT INTO t (n) VALUES (2)"))
    async with sessions() as session:
        assert list(await session.scalars(text("SELECT n FROM t"))) == [2]


async def test_a_begin_refused_by_a_busy_database_is_an_error_and_leaves_the_connection_usable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "db.sqlite"
    engine = create_engine(f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process is writing
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            with pytest.raises(OperationalError, match="locked"):
                await _insert(session, 1)
        other.execute("ROLLBACK")
        other.close()
        async with sessions() as session, transaction(session):
            await session.execute(text("INSERT INTO t (n) VALUES (2)"))
        async with sessions() as session:
            assert list(await session.scalars(text("SELECT n FROM t"))) == [2]
    finally:
        await engine.dispose()


async def test_a_transaction_at_once_is_one_trip_holding_the_lock_no_longer(
    db: tuple[AsyncEngine, Path], trips: list[str]
) -> None:
    engine, path = db
    seen_locked: list[bool] = []

    def work(connection: Connection) -> int:
        connection.execute(text("INSERT INTO t (n) VALUES (1)"))
        seen_locked.append(_locked(path))
        connection.execute(text("INSERT INTO t (n) VALUES (2)"))
        return int(connection.scalar(text("SELECT count(*) FROM t")) or 0)

    async with create_sessionmaker(engine)() as session:
        await session.connection()
    trips.clear()
    async with create_sessionmaker(engine)() as session:
        assert await write_at_once(session, work) == 2
        assert not _locked(path)
    assert trips == ["whole"]  # BEGIN IMMEDIATE to COMMIT; nothing left for the pool
    assert seen_locked == [True]


async def test_a_cancelled_transaction_at_once_ends_before_its_connection_is_used_again(
    db: tuple[AsyncEngine, Path],
) -> None:
    """The pool has one connection: the next transaction gets the same one, and must not
    begin while the cancelled one is still ending on the connection's thread."""
    engine, path = db
    started = threading.Event()

    def slow(connection: Connection) -> None:
        connection.execute(text("INSERT INTO t (n) VALUES (1)"))
        started.set()
        time.sleep(0.2)  # the request is cancelled meanwhile
        connection.execute(text("INSERT INTO t (n) VALUES (2)"))

    sessions = create_sessionmaker(engine)

    async def request() -> None:
        async with sessions() as session:
            await write_at_once(session, slow)

    task = asyncio.ensure_future(request())
    await asyncio.to_thread(started.wait)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _locked(path)  # over by the time the cancellation came through
    async with sessions() as session:  # the same connection: its own BEGIN, so atomic
        with pytest.raises(IntegrityError):
            await _insert(session, 3, 1)
    async with sessions() as session:
        found = list(await session.scalars(text("SELECT n FROM t ORDER BY n")))
    assert found == [1, 2]  # the cancelled one had begun: it ran to its COMMIT; 3 rolled back
