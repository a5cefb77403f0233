"""One transaction per use case — or the caller's, when use cases are composed.

`import-polis` loads a study, opens rounds and imports comments and votes as one unit: if
the votes are bad, the study must not be half-made. Each service therefore joins the
transaction its caller already has, and begins its own only when there is none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def transaction(session: AsyncSession) -> AsyncIterator[None]:
    if session.in_transaction():
        yield
        return
    async with session.begin():
        yield
