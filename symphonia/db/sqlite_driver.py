"""SQLAlchemy's aiosqlite adaptation with one thread hop per statement, not four.

aiosqlite runs each SQLite connection on a thread of its own; every call is a round trip
from the event loop to that thread and back (a queue put, a thread wake-up, a callback
scheduled on the loop, the GIL handed over twice). SQLAlchemy's adapter makes four such
trips for a query (create a cursor, execute, fetch the rows, close the cursor), three for
an INSERT, three for the BEGIN this project emits (see :mod:`symphonia.db.engine`), one
for each COMMIT and one for the ROLLBACK the pool runs on every connection it takes back,
even one that is in no transaction. An API submission made about 24 of them: measured
with ``benchmarks/submit_cpu.py``, they were most of what a submission cost on SQLite
beyond PostgreSQL, and under load the loop and the connections' threads fought over the
GIL at each one.

This adapter keeps aiosqlite's threads and connections and changes only how they are
used:

- a statement is one trip: the cursor is made, the statement executed, every row fetched
  and the cursor closed in one function run on the connection's thread (what
  SQLAlchemy's adapter does anyway, in four trips: it always fetches every row at once);
- BEGIN goes with the transaction's first statement (:meth:`SQLiteConnection.begin_with`
  keeps it until then): the same statements in the same order on the same connection,
  one trip fewer. A transaction that runs no statement never begins, which is what
  beginning and ending it would amount to;
- COMMIT and ROLLBACK are skipped when SQLite is in no transaction (each trip reports
  whether it is), so the pool's ROLLBACK of a connection after a COMMIT, or after a read
  in autocommit, costs nothing.

Server-side cursors (``stream()``) are SQLAlchemy's own, unchanged. It relies on
aiosqlite's ``Connection._execute`` (queue one function on the connection's thread), as
SQLAlchemy's adapter relies on aiosqlite's ``_tx`` and ``_conn``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

_T = TypeVar("_T")
_Outcome = tuple[Any, list[Any], int, int | None, bool]
"""What one trip brings back: description, rows, rowcount, lastrowid, in_transaction."""


def _run(
    connection: sqlite3.Connection,
    begin: str | None,
    operation: str,
    parameters: Any,
    many: bool,
) -> _Outcome:
    """On the connection's thread: BEGIN if one is pending, then the statement, every row
    fetched and the cursor closed."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid, connection.in_transaction
    finally:
        cursor.close()


def _end(connection: sqlite3.Connection, commit: bool) -> None:
    if commit:
        connection.commit()
    else:
        connection.rollback()


async def _outlast(trip: asyncio.Future[Any]) -> None:
    """Wait for `trip` to end, through any cancellation. A cancelled request cannot stop a
    transaction running on the connection's thread (it runs to its COMMIT or ROLLBACK);
    handing the connection back to the pool before then would let the next transaction
    begin on it while this one still ends."""
    while not trip.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({trip})


class SQLiteCursor:
    """A DBAPI cursor whose statement is one trip to the connection's thread; its rows are
    all fetched by then (as SQLAlchemy's aiosqlite cursor fetches them)."""

    __slots__ = ("_adapt_connection", "_rows", "arraysize", "description", "lastrowid", "rowcount")
    server_side = False

    def __init__(self, adapt_connection: SQLiteConnection) -> None:
        self._adapt_connection = adapt_connection
        self._rows: collections.deque[Any] = collections.deque()
        self.arraysize = 1
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._keep(self._adapt_connection.run_statement(operation, parameters, many=False))

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._keep(self._adapt_connection.run_statement(operation, seq_of_parameters, many=True))

    def _keep(self, outcome: _Outcome) -> None:
        self.description, rows, self.rowcount, self.lastrowid, _ = outcome
        self._rows = collections.deque(rows)

    def setinputsizes(self, *_sizes: Any) -> None:
        """Nothing to do (DBAPI)."""

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's async results call this; the rows are here and the cursor closed."""

    def close(self) -> None:
        self._rows.clear()

    def __iter__(self) -> Any:
        while self._rows:
            yield self._rows.popleft()

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class SQLiteConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with the trips described in the module docstring."""

    __slots__ = ("_in_transaction", "_pending_begin")
    _cursor_cls = SQLiteCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None
        self._in_transaction = False

    def begin_with(self, statement: str) -> None:
        """Send `statement` (BEGIN, BEGIN IMMEDIATE) with the next statement, in its trip."""
        self._pending_begin = statement

    def run_statement(self, operation: Any, parameters: Any, *, many: bool) -> _Outcome:
        begin, self._pending_begin = self._pending_begin, None
        conn = self._connection
        outcome: _Outcome
        if threading.get_ident() == conn._thread.ident:  # in run_transaction: no trip
            outcome = _run(conn._conn, begin, operation, parameters, many)
            self._in_transaction = outcome[4]
            return outcome
        try:
            outcome = await_(conn._execute(_run, conn._conn, begin, operation, parameters, many))
        except Exception as error:
            self._in_transaction = True  # unknown: let the next COMMIT or ROLLBACK run
            self._handle_exception(error)
        self._in_transaction = outcome[4]
        return outcome

    def _finish(self, commit: bool) -> None:
        self._pending_begin = None  # a transaction that ran nothing: nothing to end
        if not self._in_transaction or not self._connection._connection:
            return
        conn = self._connection
        try:
            await_(conn._execute(_end, conn._conn, commit))
        except Exception as error:
            self._handle_exception(error)
        self._in_transaction = False

    async def run_transaction(self, work: Callable[[], _T]) -> _T:
        """Run `work` on the connection's thread, in one trip, and end the transaction
        there: COMMIT when it returns, ROLLBACK when it raises (its exception then goes on).

        `work` runs SQLAlchemy's plain (blocking) Core execution on this connection; its
        statements skip the trips (they are on the thread already), and the transaction
        begun for it (its BEGIN still pending, see :meth:`begin_with`) is over when this
        returns, so SQLAlchemy's COMMIT or ROLLBACK afterwards finds nothing to end. For a
        short write transaction this means SQLite's write lock is held for the time the
        statements take, not for several round trips through a busy event loop. Cancelled
        (a request given up), it still waits for the trip to end before raising."""
        conn = self._connection

        def whole() -> _T:
            sqlite_connection = conn._conn
            try:
                result = work()
                sqlite_connection.commit()
                return result
            except BaseException:
                sqlite_connection.rollback()  # nothing to do if the BEGIN failed
                raise
            finally:
                self._pending_begin = None
                self._in_transaction = sqlite_connection.in_transaction

        trip = asyncio.ensure_future(conn._execute(whole))
        try:
            result: _T = await asyncio.shield(trip)
        except asyncio.CancelledError:
            await _outlast(trip)  # see below
            raise
        except BaseException:
            self._in_transaction = True  # unknown (a failed ROLLBACK): the next one runs
            raise
        return result

    def commit(self) -> None:
        self._finish(commit=True)

    def rollback(self) -> None:
        self._finish(commit=False)


class SQLiteDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module given to the aiosqlite dialect (`create_engine(module=...)`)."""

    def connect(self, *arg: Any, **kw: Any) -> SQLiteConnection:
        adapted = super().connect(*arg, **kw)
        return SQLiteConnection(self, adapted._connection)


def sqlite_dbapi() -> SQLiteDBAPI:
    import aiosqlite

    return SQLiteDBAPI(aiosqlite, sqlite3)
