"""Who is asking: the signed-in person of a page request, or the bearer of an API token.

Pages authenticate with the encrypted session cookie, which holds only who signed in (an
account or a panellist) and their `auth_epoch`; the Actor, with its current roles, is built
from the database on every request, so a role granted or revoked, a password changed or an
account deactivated takes effect on the next request. The API authenticates with
`Authorization: Bearer <token>` only and never reads the cookie, so a forged cross-site
request reaches it without credentials (which is why the API needs no CSRF token).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, ActorKind
from symphonia.core.errors import AuthenticationFailed, NotFound
from symphonia.services.api_tokens import authenticate_token
from symphonia.services.principals import actor_for_account, actor_for_participant
from symphonia.services.tokens import SignedIn

API_PREFIX = "/api/"
SESSION_KIND = "kind"
SESSION_ID = "id"
SESSION_EPOCH = "epoch"


def remember(request: Request[Any, Any, Any], signed_in: SignedIn) -> None:
    """Start a session for whoever just signed in (replacing any earlier one)."""
    actor = signed_in.actor
    if actor.kind not in (ActorKind.ACCOUNT, ActorKind.PARTICIPANT) or actor.id is None:
        raise ValueError("only accounts and panellists sign in to the web app")
    request.set_session(
        {
            SESSION_KIND: actor.kind.value,
            SESSION_ID: str(actor.id),
            SESSION_EPOCH: signed_in.auth_epoch,
        }
    )


def forget(request: Request[Any, Any, Any]) -> None:
    request.clear_session()


async def _session_actor(request: Request[Any, Any, Any], db: AsyncSession) -> Actor | None:
    data = request.session if "session" in request.scope else {}
    if not data:
        return None
    try:
        kind = ActorKind(data[SESSION_KIND])
        holder = uuid.UUID(str(data[SESSION_ID]))
        epoch = int(data[SESSION_EPOCH])
    except (KeyError, ValueError, TypeError):
        forget(request)
        return None
    try:
        if kind is ActorKind.ACCOUNT:
            return await actor_for_account(db, holder, epoch=epoch)
        if kind is ActorKind.PARTICIPANT:
            return await actor_for_participant(db, holder, epoch=epoch)
    except NotFound:
        pass  # the account or panellist is gone, inactive, or signed out everywhere
    forget(request)
    return None


async def _bearer_actor(request: Request[Any, Any, Any], db: AsyncSession) -> Actor | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "send the API token as `Authorization: Bearer <token>`", code="token_invalid"
        )
    return await authenticate_token(db, token.strip())


async def provide_actor(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession]
) -> Actor | None:
    """The caller, or None when nobody is signed in."""
    if request.url.path.startswith(API_PREFIX):
        return await _bearer_actor(request, db)
    return await _session_actor(request, db)


def provide_signed_in(actor: NamedDependency[Actor | None]) -> Actor:
    """The caller of a page or API call that needs someone signed in."""
    if actor is None:
        raise NotAuthorizedException("sign in to continue")
    return actor
