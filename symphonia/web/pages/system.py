"""Health and readiness: what a process manager or load balancer asks before sending work.

- ``/health``: the process is up (liveness; restart it when this fails).
- ``/ready``: the process can serve: its database answers and carries the schema this code
  expects (the migration step has run). A load balancer sends traffic only when it says
  so; the compose file's healthchecks use it, so web replicas start after the migration.
"""

from __future__ import annotations

from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from symphonia.composition import Container
from symphonia.db.migrate import heads


@get("/health", include_in_schema=False, sync_to_thread=False)
def health() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(state: State) -> Response[dict[str, str]]:
    """200 when the database is reachable and migrated to head, else 503 with the reason."""
    container: Container = state.container
    expected = ",".join(heads())
    try:
        revision = await container.schema_revision()
    except Exception as exc:  # unreachable, refused, wrong password: not ready, say why
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Response(
            {"status": "unavailable", "reason": f"database unreachable: {reason}"},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
        )
    if revision not in heads():
        return Response(
            {
                "status": "unavailable",
                "reason": f"schema at {revision or 'nothing'}, expected {expected}: "
                "run `symphonia db upgrade`",
            },
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
        )
    return Response({"status": "ready", "schema": revision}, status_code=HTTP_200_OK)
