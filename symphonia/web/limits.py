"""Rate limits on what an attacker would repeat: password guesses, link guesses, requests
for new links, and floods of submissions.

Each limit has its own store name, so the counters of one never spend another's allowance;
only POSTs count (reading the sign-in page is free). Sign-in limits count per client
address; the submission limit counts per signed-in person or API token, so a panel behind
one office proxy is not throttled as one person.
"""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address


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
    rate_limit=("minute", 10), store="rate_limit_sign_in", check_throttle_handler=_posts_only
)
"""Passwords and sign-in links: ten tries a minute per address."""

NEW_LINK = RateLimitConfig(
    rate_limit=("hour", 10), store="rate_limit_new_link", check_throttle_handler=_posts_only
)
"""Requests for a fresh link by email: each sends a message, so ten an hour per address."""

SUBMIT = RateLimitConfig(
    rate_limit=("minute", 120),
    store="rate_limit_submit",
    identifier_for_request=_caller,
    check_throttle_handler=_changes_only,
)
"""Contributions (fragments, drafts, ratings): two a second per person on average."""
