"""One transaction per use case — or the caller's, when use cases are composed.

`import-polis` loads a study, opens rounds and imports comments and votes as one unit: if
the votes are bad, the study must not be half-made. Each service therefore joins the
transaction its caller already has, and begins its own only when there is none.

A transaction that will write says so (the default): on SQLite it then takes the write lock
when it begins, so concurrent writers (web requests, a worker) queue instead of failing
when one reads, another writes, and the first then tries to write. Read-only use cases pass
``write=False`` and never wait for writers. PostgreSQL ignores the option.

On SQLite, writers of one process also queue in the process, on an asyncio lock per engine,
before they ask SQLite: SQLite lets one writer in at a time anyway, and a writer that finds
the database locked waits in SQLite's busy handler, which sleeps in growing steps (up to
100 ms) and retries. With a few dozen concurrent requests that turned queueing into sleeping:
measured by `benchmarks/web_load.py` (200 clients, closed loop, on a busy 2-core machine),
55 submissions/s, p95 7 s and "database is locked" errors without the queue; 122/s, p95
2.3 s and no errors with it, each writer woken as soon as the last commits. Other
processes (a `symphonia worker`) still meet the busy handler; if the lock cannot be had
within the busy timeout, the transaction goes ahead without it and SQLite decides, as before.

The queue is one per engine *and event loop*: an asyncio lock belongs to the loop that
first waits on it, and one engine can serve several loops (several test clients on one app,
each in its own thread and loop, share its pool). Writers on different loops meet in
SQLite's busy handler, as writers of different processes do.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, nullcontext
from functools import partial
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from symphonia.db.engine import SQLITE_BEGIN, SQLITE_BUSY_TIMEOUT_MS
from symphonia.db.sqlite_driver import SQLiteConnection

_T = TypeVar("_T")

_Loops = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
_WRITERS: weakref.WeakKeyDictionary[Engine, _Loops] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()
"""Loops run in different threads: making a queue is guarded (waiting on one never is)."""


def _writer_lock(session: AsyncSession) -> asyncio.Lock | None:
    """The queue of SQLite writers on the session's engine in the running event loop (None
    for other databases)."""
    return _engine_writer_lock(session.bind)


def _engine_writer_lock(bind: object) -> asyncio.Lock | None:
    if bind is None:
        return None
    engine = getattr(bind, "sync_engine", bind)
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return None
    loop = asyncio.get_running_loop()
    made = _WRITERS.get(engine)
    lock = made.get(loop) if made is not None else None
    if lock is not None:  # the usual case: made already (reading needs no guard)
        return lock
    with _WRITERS_GUARD:
        loops = _WRITERS.get(engine)
        if loops is None:
            loops = _WRITERS[engine] = weakref.WeakKeyDictionary()
        lock = loops.get(loop)
        if lock is None:
            lock = loops[loop] = asyncio.Lock()
        return lock


@asynccontextmanager
async def _queued(lock: asyncio.Lock | None) -> AsyncIterator[None]:
    if lock is None:
        yield
        return
    try:
        async with asyncio.timeout(SQLITE_BUSY_TIMEOUT_MS / 1000):  # no task, as wait_for
            await lock.acquire()
    except TimeoutError:
        yield  # SQLite's own busy handler decides, as without the queue
        return
    try:
        yield
    finally:
        lock.release()


@asynccontextmanager
async def writers_turn(engine: AsyncEngine) -> AsyncIterator[None]:
    """Wait for this process's turn to write on `engine` (SQLite; at once elsewhere), for a
    write that does not go through :func:`transaction`: one statement in autocommit, as
    a rate limit's count (`symphonia.web.stores`)."""
    async with _queued(_engine_writer_lock(engine)):
        yield


@asynccontextmanager
async def transaction(session: AsyncSession, *, write: bool = True) -> AsyncIterator[None]:
    if session.in_transaction():
        yield
        return
    if not write:
        async with session.begin():
            yield
        return
    async with _queued(_writer_lock(session)), session.begin():
        await session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        yield


async def write_at_once(session: AsyncSession, work: Callable[[Connection], _T]) -> _T:
    """Run `work` (blocking Core statements on a plain SQLAlchemy `Connection`, no ORM and
    no awaiting) as one write transaction; its result.

    For a hot write whose statements are known in advance (an API submission: look up the
    panellist and the open round, insert the fragment and its audit event). On SQLite,
    when it is a transaction of its own, the whole of it, BEGIN IMMEDIATE to COMMIT, runs
    on the connection's thread in one trip (`SQLiteConnection.run_transaction`): SQLite's
    write lock is then held for as long as the statements take, instead of for a round
    trip through the event loop after each, which under load was most of the time it was
    held, and the next writer (of this process, queued as :func:`transaction` queues
    them, or of another) gets it that much sooner. Elsewhere, and in a caller's
    transaction, `work` runs inside :func:`transaction` as SQLAlchemy runs any sync code
    (`AsyncConnection.run_sync`): the same statements in the same transaction.

    `work` raising ends the transaction with a rollback and nothing written."""
    owned = not session.in_transaction()
    async with transaction(session):
        connection = await session.connection()
        if owned and connection.dialect.name == "sqlite":
            adapter = (await connection.get_raw_connection()).dbapi_connection
            if isinstance(adapter, SQLiteConnection):
                return await adapter.run_transaction(partial(work, connection.sync_connection))
        return await connection.run_sync(work)


@asynccontextmanager
async def reading(session: AsyncSession) -> AsyncIterator[AsyncConnection]:
    """The session's connection for a use case that only reads and needs no snapshot
    shared by its statements (one query, as authenticating an API token is on every API
    request). When no caller's transaction is open, the query runs in autocommit, with no
    BEGIN and COMMIT around it: on PostgreSQL its connection is put in autocommit, and on
    SQLite no BEGIN is sent (SQLite runs a lone statement as its own transaction; see
    :mod:`symphonia.db.engine`). In a caller's transaction it is that transaction's."""
    async with _autocommit(session, write=False) as connection:
        yield connection


@asynccontextmanager
async def alone(session: AsyncSession) -> AsyncIterator[AsyncConnection]:
    """The session's connection for a write that is one statement, which the database then
    runs as a transaction of its own: all of it or nothing, with no BEGIN and COMMIT round
    trips (as :func:`reading`; on SQLite the statement first waits for this process's turn
    to write). For a use case written as one statement (on PostgreSQL a submission, its
    inserts as data-modifying CTEs: `symphonia.services.submit_statement`). In a caller's
    transaction it is that transaction's."""
    async with _autocommit(session, write=True) as connection:
        yield connection


@asynccontextmanager
async def _autocommit(session: AsyncSession, *, write: bool) -> AsyncIterator[AsyncConnection]:
    if session.in_transaction():
        yield await session.connection()  # the caller's transaction
        return
    bind = session.bind
    if isinstance(bind, AsyncEngine):  # the usual case: past the ORM's transaction, which
        # costs more than the statement here (0.07 ms of web-process CPU each time)
        async with on_its_own(bind, write=write) as connection:
            yield connection
        return
    sqlite = session.get_bind().dialect.name == "sqlite"
    options = {SQLITE_BEGIN: "NONE"} if sqlite else {"isolation_level": "AUTOCOMMIT"}
    lock = _writer_lock(session) if write else None
    async with _queued(lock), transaction(session, write=False):
        yield await session.connection(execution_options=options)


@asynccontextmanager
async def on_its_own(engine: AsyncEngine, *, write: bool) -> AsyncIterator[AsyncConnection]:
    """A connection of `engine` on which each statement is a transaction of its own, with
    no BEGIN and COMMIT round trips: on PostgreSQL the connection is put in autocommit, on
    SQLite no BEGIN is sent (SQLite runs a lone statement as its own transaction; see
    :mod:`symphonia.db.engine`), and, for a `write`, this process's turn to write is waited
    for first (:func:`writers_turn`)."""
    if engine.dialect.name != "sqlite":
        async with engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        return
    turn = writers_turn(engine) if write else nullcontext()
    async with turn, engine.connect() as connection:
        yield await connection.execution_options(**{SQLITE_BEGIN: "NONE"})
