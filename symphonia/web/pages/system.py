"""Health and readiness: what a process manager or load balancer asks before sending work."""

from __future__ import annotations

from litestar import get


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}
