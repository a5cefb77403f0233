"""Request-scoped dependencies: the container, a database session, and who is asking.

One session per request, closed when the response is sent; services open and commit their
own transactions on it (DESIGN.md §2), so a controller never commits anything itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.web.auth import provide_actor, provide_signed_in

Db = NamedDependency[AsyncSession]
"""A handler's `db` parameter: the request's database session."""
Me = NamedDependency[Actor]
"""A handler's `me` parameter: the signed-in caller (anonymous callers are refused)."""
MaybeActor = NamedDependency[Actor | None]
"""A handler's `actor` parameter: the caller, or None."""
Services = NamedDependency[Container]
"""A handler's `container` parameter."""


def provide_container(state: State) -> Container:
    container: Container = state.container
    return container


async def provide_db(container: Services) -> AsyncIterator[AsyncSession]:
    async with container.session() as session:
        yield session


DEPENDENCIES = {
    "container": Provide(provide_container, sync_to_thread=False),
    "db": Provide(provide_db),
    "actor": Provide(provide_actor),
    "me": Provide(provide_signed_in, sync_to_thread=False),
}
"""`actor` may be None (anonymous); `me` refuses anonymous callers (a page redirects to the
sign-in page, the API answers 401)."""
