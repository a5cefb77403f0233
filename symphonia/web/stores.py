"""Litestar stores on the application's database, so rate limits count across web processes.

Several web processes on one database (PostgreSQL in production, issue 14; or several
`symphonia serve` on one SQLite file on one machine) must agree on how many sign-in
attempts an address has made: with a per-process memory store an attacker gets ten guesses
a minute *per process*. Sessions need nothing shared (they are signed cookies: every process
holding the same secret key accepts them); rate limits are the one piece of per-process
state, and :class:`DatabaseStore` keeps them in the ``shared_store`` table instead, on
either backend, so no setting can leave them N times looser.

Why the database and not Redis: production already runs PostgreSQL and nothing else (the
SAQ queue lives there too); one more server to run, secure and back up for a few counters
is not worth it. The cost is one statement per rate-limited POST (sign-in, link requests,
contributions), each standing alone in autocommit (no BEGIN/COMMIT round trips): on
PostgreSQL an UNLOGGED table (no WAL flush); on SQLite one trip to the connection's thread
(:mod:`symphonia.db.sqlite_driver`), the write waiting its turn in the process's queue of
writers (`symphonia.services.tx.on_its_own`) rather than in SQLite's busy handler, and
holding SQLite's write lock only while the statement runs. Kept for every limit, so that
none is N times looser with N processes.

Rate limits do not go through `get` and `set` (Litestar's RateLimitMiddleware reads a
history, then writes it back, under a lock of one process only): :meth:`DatabaseStore.hit`
counts a request in one statement, an upsert that adds one and returns the count, so two
processes counting at the same instant never both read the same count, and a rate-limited
request costs one round trip instead of two (:mod:`symphonia.web.limits`). Measured with
benchmarks/web_load.py when it was a SELECT and an upsert (100 experts, one web process, 2
shared cores): 6.9 ms of server CPU per submission against 4.6 ms with the memory store.
`set` is an upsert too, so a first write from two processes never collides.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import sqlalchemy as sa
from litestar.stores.base import NamespacedStore
from litestar.stores.registry import StoreRegistry
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from symphonia.db.models.shared import shared_store
from symphonia.services.tx import on_its_own

SWEEP_EVERY_S = 60.0
"""How often one store deletes its namespace's expired rows (on a write)."""

_T = shared_store.c


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _expiry(expires_in: int | datetime.timedelta | None) -> datetime.datetime | None:
    if expires_in is None:
        return None
    if isinstance(expires_in, int):
        expires_in = datetime.timedelta(seconds=expires_in)
    return _now() + expires_in


class DatabaseStore(NamespacedStore):
    """A Litestar store on the ``shared_store`` table; `engine` is called on each use, so
    the store can be made before the app's engine exists (it is made in the app's loop)."""

    def __init__(self, engine: Callable[[], AsyncEngine], namespace: str = "default") -> None:
        if not namespace or len(namespace) > 100:
            raise ValueError("a store namespace is 1 to 100 characters")
        self._engine = engine
        self.namespace = namespace
        self._swept_at = 0.0

    def with_namespace(self, namespace: str) -> DatabaseStore:
        return DatabaseStore(self._engine, f"{self.namespace}_{namespace}")

    @contextlib.asynccontextmanager
    async def _connection(self, *, write: bool = True) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit: each statement here stands alone, so no BEGIN and
        COMMIT round trips; on SQLite a write first waits for this process's turn to write
        (see the module docstring and `symphonia.services.tx.on_its_own`)."""
        async with on_its_own(self._engine(), write=write) as connection:
            yield connection

    def _live(self, key: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            _T.namespace == self.namespace,
            _T.key == key,
            sa.or_(_T.expires_at.is_(None), _T.expires_at > _now()),
        )

    async def hit(self, key: str, window_s: int) -> tuple[int, int]:
        """Count one more request under `key` in its fixed window of `window_s` seconds
        (the window starts with its first request): the requests counted in the window,
        this one included, and the seconds until it ends. One statement, atomic in the
        database, whichever process runs it."""
        now = _now()
        params = {
            "namespace": self.namespace,
            "key": key,
            "value": b"1",
            "expires_at": now + datetime.timedelta(seconds=window_s),
            "now": now,
        }
        async with self._connection() as connection:
            statement = _hit_statement(connection.dialect.name)
            count, until = (await connection.execute(statement, params)).one()
            await self._sweep(connection)
        return int(count), max(0, int((until - now).total_seconds()))

    async def _sweep(self, connection: AsyncConnection) -> None:
        """Now and then (on a write), delete this namespace's expired rows."""
        if time.monotonic() - self._swept_at > SWEEP_EVERY_S:
            self._swept_at = time.monotonic()
            await connection.execute(
                sa.delete(shared_store).where(
                    _T.namespace == self.namespace, _T.expires_at <= _now()
                )
            )

    async def set(
        self, key: str, value: str | bytes, expires_in: int | datetime.timedelta | None = None
    ) -> None:
        data = value.encode() if isinstance(value, str) else value
        row = {
            "namespace": self.namespace,
            "key": key,
            "value": data,
            "expires_at": _expiry(expires_in),
        }
        engine = self._engine()
        insert: Any = (sqlite if engine.dialect.name == "sqlite" else postgresql).insert
        statement = insert(shared_store).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=[_T.namespace, _T.key],
            set_={"value": statement.excluded.value, "expires_at": statement.excluded.expires_at},
        )
        async with self._connection() as connection:
            await connection.execute(statement)
            await self._sweep(connection)

    async def get(
        self, key: str, renew_for: int | datetime.timedelta | None = None
    ) -> bytes | None:
        async with self._connection(write=renew_for is not None) as connection:
            value: bytes | None = await connection.scalar(
                sa.select(_T.value).where(self._live(key))
            )
            if value is not None and renew_for is not None:
                await connection.execute(
                    sa.update(shared_store)
                    .where(self._live(key), _T.expires_at.is_not(None))
                    .values(expires_at=_expiry(renew_for))
                )
        return value

    async def delete(self, key: str) -> None:
        async with self._connection() as connection:
            await connection.execute(
                sa.delete(shared_store).where(_T.namespace == self.namespace, _T.key == key)
            )

    async def delete_all(self) -> None:
        """Every entry of this namespace and of the namespaces made from it."""
        async with self._connection() as connection:
            await connection.execute(
                sa.delete(shared_store).where(
                    sa.or_(
                        _T.namespace == self.namespace,
                        _T.namespace.startswith(f"{self.namespace}_", autoescape=True),
                    )
                )
            )

    async def exists(self, key: str) -> bool:
        async with self._connection(write=False) as connection:
            found = await connection.scalar(sa.select(sa.literal(1)).where(self._live(key)))
        return found is not None

    async def expires_in(self, key: str) -> int | None:
        """Seconds left (rounded down, never negative); None for no such key or no expiry."""
        async with self._connection(write=False) as connection:
            when: datetime.datetime | None = await connection.scalar(
                sa.select(_T.expires_at).where(self._live(key))
            )
        if when is None:
            return None
        return max(0, int((when - _now()).total_seconds()))


@functools.cache
def _hit_statement(dialect: str) -> sa.Executable:
    """The upsert behind :meth:`DatabaseStore.hit`, made once per dialect (its values are
    bound parameters): a new key starts at 1; a live one adds one; an expired one starts
    a new window at 1. The count is kept as decimal text in ``value``, which is bytes."""
    insert: Any = (sqlite if dialect == "sqlite" else postgresql).insert
    statement = insert(shared_store).values(
        namespace=sa.bindparam("namespace"),
        key=sa.bindparam("key"),
        value=sa.bindparam("value"),
        expires_at=sa.bindparam("expires_at"),
    )
    text: Any = sa.cast(_T.value, sa.Text)  # SQLite: a blob read as text
    if dialect != "sqlite":
        text = sa.func.convert_from(_T.value, "UTF8")
    plus_one = sa.cast(sa.cast(text, sa.Integer) + 1, sa.Text)
    counted: Any = sa.cast(plus_one, sa.LargeBinary)
    if dialect != "sqlite":
        counted = sa.func.convert_to(plus_one, "UTF8")
    live = _T.expires_at > sa.bindparam("now", type_=_T.expires_at.type)
    upsert: sa.Executable = statement.on_conflict_do_update(
        index_elements=[_T.namespace, _T.key],
        set_={
            "value": sa.case((live, counted), else_=statement.excluded.value),
            "expires_at": sa.case((live, _T.expires_at), else_=statement.excluded.expires_at),
        },
    ).returning(sa.cast(text, sa.Integer), _T.expires_at)
    return upsert


def store_registry(engine: Callable[[], AsyncEngine]) -> StoreRegistry:
    """Every named store (one per rate limit) in the application's database, on either
    backend (see the module docstring)."""
    return StoreRegistry(default_factory=lambda name: DatabaseStore(engine, name))
