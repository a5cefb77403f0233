"""Async engine and session factory from a database URL.

SQLite (`sqlite+aiosqlite:///path`) is the embedded default and PostgreSQL
(`postgresql+asyncpg://...`) the server option; both must behave the same for the suite, so
SQLite gets what it lacks by default:

- `PRAGMA foreign_keys=ON` on every connection (SQLite ignores foreign keys otherwise);
- WAL journal and a busy timeout, so the web app can read while a worker writes;
- an explicit `BEGIN` per transaction (pysqlite's own implicit transaction handling breaks
  SAVEPOINTs and makes DDL non-transactional; this is SQLAlchemy's documented recipe), and
  `BEGIN IMMEDIATE` for a transaction that will write (connection execution option
  ``sqlite_begin="IMMEDIATE"``, set by `symphonia.services.tx.transaction`): a deferred
  transaction that reads and then writes fails at once ("database is locked") when another
  connection wrote in between, whereas an immediate one waits its turn (busy timeout);
  ``sqlite_begin="NONE"`` sends no BEGIN, for a lone statement (`tx.reading`, rate limits);
- aiosqlite through this project's adapter (:mod:`symphonia.db.sqlite_driver`): one trip
  to the connection's thread per statement, the BEGIN sent with the first statement, and
  a whole short transaction in one trip when a service asks (`tx.write_at_once`).

PostgreSQL connections come from a pool, and a pooled connection may have died while it
sat there (a server restart, an idle timeout, a dropped network): such a connection is
pinged before it is handed out, but only when it has been idle for
:data:`PING_AFTER_IDLE_S` (see :func:`_ping_when_idle`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

import symphonia.db.models  # noqa: F401  (installs the immutability guards)
from symphonia.db.sqlite_driver import SQLiteConnection, sqlite_dbapi

SQLITE_BUSY_TIMEOUT_MS = 5000
PING_AFTER_IDLE_S = 5.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is used."""
_CHECKED_IN_AT = "symphonia_checked_in_at"
SQLITE_BEGIN = "sqlite_begin"
"""Connection execution option: "IMMEDIATE" makes SQLite take the write lock at BEGIN;
"NONE" sends no BEGIN (for one statement, which SQLite runs as its own transaction)."""


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_engine(
    url: str | URL, *, foreign_keys: bool = True, echo: bool = False, **kwargs: Any
) -> AsyncEngine:
    """An AsyncEngine for `url`, configured for the backend (see the module docstring).

    `foreign_keys=False` is only for migrations: SQLite batch ALTERs copy and drop tables,
    which enforced foreign keys would turn into cascading deletes (Alembic's advice).
    Extra keyword arguments go to `sqlalchemy.ext.asyncio.create_async_engine`.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        path = _sqlite_file(sa_url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        if sa_url.get_driver_name() == "aiosqlite":
            kwargs.setdefault("module", sqlite_dbapi())  # one thread hop per statement
        engine = _create_async_engine(sa_url, echo=echo, **kwargs)
        _configure_sqlite(engine, foreign_keys=foreign_keys, wal=path is not None)
        return engine
    if "poolclass" not in kwargs:
        # 25 kept per process: with 5, 200 experts submitting at 300/s through 2 web processes
        # waited for connections (p95 1 s, 1.2 of 2 cores busy); with 25, p95 43 ms at 330/s
        # (benchmarks/web_load.py). deploy/compose.yaml raises PostgreSQL's max_connections.
        kwargs.setdefault("pool_size", 25)
        kwargs.setdefault("max_overflow", 10)
        kwargs.setdefault("pool_recycle", 1800)
    engine = _create_async_engine(sa_url, echo=echo, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection before handing it out when it sat idle for
    :data:`PING_AFTER_IDLE_S`; a dead one is replaced, and the pool's older connections
    with it (what `pool_pre_ping` does).

    Why not `pool_pre_ping` itself: it pings on *every* checkout, and asyncpg's ping is
    three round trips (BEGIN, an empty query, ROLLBACK). A web request checks out one or
    two connections, so under load the pings were the most frequent statements: measured
    through the app, about 1 ms of web-process CPU and 0.5 ms of PostgreSQL's per API
    submission. A connection given back moments ago is alive; the ones that die are those
    left idle, and those are still pinged. A connection that dies while in use fails its
    statement, and SQLAlchemy then discards the pool's older connections (as it always did).
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN_AT)  # None: connected just now (info is cleared)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.InvalidatePoolError(f"a pooled connection is gone: {error}") from error


def _configure_sqlite(engine: AsyncEngine, *, foreign_keys: bool, wal: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (see _on_begin); PRAGMAs must run outside a transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        how = connection.get_execution_options().get(SQLITE_BEGIN)
        if how == "NONE":
            return  # one statement, in autocommit: its own transaction (tx.reading)
        statement = "BEGIN IMMEDIATE" if how == "IMMEDIATE" else "BEGIN"
        dbapi_connection = connection.connection.dbapi_connection
        if isinstance(dbapi_connection, SQLiteConnection):
            dbapi_connection.begin_with(statement)  # sent with the first statement
        else:
            connection.exec_driver_sql(statement)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit.

    `expire_on_commit=False` because under asyncio an expired attribute cannot lazy-load
    (it would need implicit I/O); services return objects after committing.
    """
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
