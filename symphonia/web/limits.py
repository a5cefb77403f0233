"""Rate limits on what an attacker would repeat: password guesses, link guesses, requests
for new links, and floods of submissions.

Each limit has its own store name, so the counters of one never spend another's allowance;
only POSTs count (reading the sign-in page is free). Sign-in limits count per client
address; the submission limit counts per signed-in person or API token, so a panel behind
one office proxy is not throttled as one person.

The limits are kept in the database, on either backend, so several web processes share
them (see :mod:`symphonia.web.stores`): :class:`CountingRateLimitMiddleware` counts each
request with one atomic upsert instead of Litestar's read-then-write of a history under a
lock of one process: the count is exact across processes, a limited request costs one
round trip, and requests of one process no longer queue behind each other's round trips.
(With any other store, as a test may configure, Litestar's own middleware does the
counting.)
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import (
    DURATION_VALUES,
    CacheObject,
    RateLimitConfig,
    RateLimitMiddleware,
    get_remote_address,
)
from litestar.types import Receive, Scope, Send

from symphonia.web.stores import DatabaseStore


class CountingRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limiting, with the counting done by the store in one statement when
    it can (:meth:`DatabaseStore.hit`); same limits, same 429 and same RateLimit headers.

    A refused request counts too (the count is taken before the answer is known): it does
    not lengthen the window, which ends a fixed time after its first request."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if not isinstance(store, DatabaseStore):
            await super().__call__(scope, receive, send)
            return
        request: Request[Any, Any, Any] = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            count, resets_in = await store.hit(key, DURATION_VALUES[self.unit])
            seen = CacheObject(
                history=[0] * min(count, self.max_requests + 1),  # only its length is read
                reset=int(time.time()) + resets_in,
            )
            if count > self.max_requests:
                headers = self.create_response_headers(seen)
                raise TooManyRequestsException(
                    headers=headers if self.config.set_rate_limit_headers else None
                )
            if self.config.set_rate_limit_headers:
                send = self.create_send_wrapper(send=send, cache_object=seen)
        await self.app(scope, receive, send)


async def _posts_only(request: Request[Any, Any, Any]) -> bool:
    """Async on purpose: Litestar runs a plain function in a worker thread, a thread hop on
    every request for a comparison."""
    return request.method == "POST"


async def _changes_only(request: Request[Any, Any, Any]) -> bool:
    return request.method in ("POST", "PUT", "DELETE")


def _caller(request: Request[Any, Any, Any]) -> str:
    """The bearer token (hashed) or the session's holder; the address when neither."""
    header = request.headers.get("authorization")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()
    data = request.session if "session" in request.scope else {}
    if data and "id" in data:
        return f"holder:{data['id']}"
    return "address:" + get_remote_address(request)


SIGN_IN = RateLimitConfig(
    rate_limit=("minute", 10),
    store="rate_limit_sign_in",
    check_throttle_handler=_posts_only,
    middleware_class=CountingRateLimitMiddleware,
)
"""Passwords and sign-in links: ten tries a minute per address."""

NEW_LINK = RateLimitConfig(
    rate_limit=("hour", 10),
    store="rate_limit_new_link",
    check_throttle_handler=_posts_only,
    middleware_class=CountingRateLimitMiddleware,
)
"""Requests for a fresh link by email: each sends a message, so ten an hour per address."""

SUBMIT = RateLimitConfig(
    rate_limit=("minute", 120),
    store="rate_limit_submit",
    identifier_for_request=_caller,
    check_throttle_handler=_changes_only,
    middleware_class=CountingRateLimitMiddleware,
)
"""Contributions (fragments, drafts, ratings): two a second per person on average."""
