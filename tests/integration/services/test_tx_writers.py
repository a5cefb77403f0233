"""Write transactions on one SQLite engine from several event loops at once.

`transaction()` queues a process's SQLite writers on an asyncio lock before SQLite's own
write lock. An asyncio lock belongs to the event loop that first waits on it, and one engine
can serve several loops: the web tests open several clients on one app, each in its own
thread and loop, sharing the app's database pool. Every writer, on every loop, must get
through (none refused with "bound to a different event loop"), and every write must land.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from symphonia.db.engine import create_engine, create_sessionmaker
from symphonia.services.tx import transaction

WRITERS_PER_LOOP = 12


async def _writers(engine: AsyncEngine, loop_name: str) -> None:
    """Many writers at once on this loop, each holding its transaction across awaits (so the
    others queue behind it)."""
    sessions = create_sessionmaker(engine)

    async def one(n: int) -> None:
        async with sessions() as session, transaction(session):
            await session.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": loop_name})
            await asyncio.sleep(0.001)

    await asyncio.gather(*(one(n) for n in range(WRITERS_PER_LOOP)))


async def _count(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT who, count(*) FROM t GROUP BY who"))
        return {who: int(n) for who, n in rows}


def _setup(path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")

    async def create() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (who TEXT NOT NULL)"))

    asyncio.run(create())
    return engine


def test_writers_queue_on_each_loop_in_turn(tmp_path: Path) -> None:
    engine = _setup(tmp_path / "db.sqlite")
    names = ("first", "second", "third")
    try:
        for name in names:  # a new loop each time, one engine
            asyncio.run(_writers(engine, name))
        counts = asyncio.run(_count(engine))
    finally:
        asyncio.run(engine.dispose())
    assert counts == dict.fromkeys(names, WRITERS_PER_LOOP)


def test_writers_on_loops_in_several_threads_at_once(tmp_path: Path) -> None:
    engine = _setup(tmp_path / "db.sqlite")
    failures: list[BaseException] = []

    def loop_thread(name: str) -> None:
        try:
            asyncio.run(_writers(engine, name))
        except BaseException as exc:  # reported below, with the thread's name
            failures.append(exc)

    threads = [threading.Thread(target=loop_thread, args=(f"t{i}",)) for i in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        counts = asyncio.run(_count(engine))
    finally:
        asyncio.run(engine.dispose())
    assert failures == []
    assert counts == {f"t{i}": WRITERS_PER_LOOP for i in range(3)}
