"""One transaction per use case — or the caller's, when use cases are composed.

`import-polis` loads a study, opens rounds and imports comments and votes as one unit: if
the votes are bad, the study must not be half-made. Each service therefore joins the
transaction its caller already has, and begins its own only when there is none.

A transaction that will write says so (the default): on SQLite it then takes the write lock
when it begins, so concurrent writers (web requests, a worker) queue instead of failing
when one reads, another writes, and the first then tries to write. Read-only use cases pass
``write=False`` and never wait for writers. PostgreSQL ignores the option.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.db.engine import SQLITE_BEGIN


@asynccontextmanager
async def transaction(session: AsyncSession, *, write: bool = True) -> AsyncIterator[None]:
    if session.in_transaction():
        yield
        return
    async with session.begin():
        if write:
            await session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})
        yield
