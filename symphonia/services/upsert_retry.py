"""Saving an answer that may be someone's first, when two saves of it can race.

An expert's answer is stored as "insert if there is none, else update". Two saves of the same
answer at once (a double click, htmx's autosave beside the whole form, a retried API call)
can both find no row and both insert: on PostgreSQL the second insert then waits for the
first transaction and fails on the unique constraint. Nothing is wrong with the second save:
done again, it finds the row the first stored and updates it. So a use case that owns its
transaction runs once more after an `IntegrityError`; inside a caller's transaction it cannot
(the failed statement spoilt that transaction), and the error goes to the caller.

SQLite never gets here: its writers queue for the write lock when they begin (see
:mod:`symphonia.services.tx`), so the second save reads the first one's row.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.errors import Conflict

P = ParamSpec("P")
T = TypeVar("T")


def again_if_raced(
    save: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[T]]:
    """Decorates a use case taking the session first: run it, and once more if a concurrent
    save inserted the same row first. A second collision (a race that keeps repeating, or a
    constraint broken for another reason) is a Conflict asking to send it again, never a
    server error."""

    @functools.wraps(save)
    async def saving(session: AsyncSession, /, *args: P.args, **kwargs: P.kwargs) -> T:
        if session.in_transaction():
            return await save(session, *args, **kwargs)
        try:
            return await save(session, *args, **kwargs)
        except IntegrityError:
            pass  # the other save's row is committed now: this attempt updates it
        try:
            return await save(session, *args, **kwargs)
        except IntegrityError:
            raise Conflict(
                "the answer could not be stored because another save of it was under way; "
                "send it again",
                code="retry",
            ) from None

    return saving
