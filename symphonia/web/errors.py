"""Service refusals to HTTP, in one place: the status each error means, as a page or JSON.

Services raise the domain's errors and never HTTP ones (DESIGN.md §9). Here they become
400/403/404/409/422: a page for a browser (with the problems listed so a form can be
re-shown) and JSON for the API (`{"status_code", "detail", "problems": [...]}`), so the two
interfaces always agree on what a refusal means. Anything unexpected is logged with its
traceback and shown as a plain 500 without internals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.exceptions import NotFoundException as LitestarNotFound
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from symphonia.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RejectedInput,
    SymphoniaError,
)
from symphonia.web.context import page

log = logging.getLogger("symphonia.web")

API_PREFIX = "/api/"

STATUS_OF: Mapping[type[BaseException], int] = {
    NotFound: HTTP_404_NOT_FOUND,
    AuthenticationFailed: HTTP_401_UNAUTHORIZED,
    PermissionDenied: HTTP_403_FORBIDDEN,
    Conflict: HTTP_409_CONFLICT,
    RejectedInput: HTTP_422_UNPROCESSABLE_ENTITY,
    SymphoniaError: HTTP_400_BAD_REQUEST,
}
"""Most specific first: the first class the error is an instance of gives its status."""

TITLES = {
    400: "The request could not be used",
    401: "Sign in to continue",
    403: "You do not have access to this",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That cannot be done now",
    413: "What you sent is too large",
    422: "There is a problem with what you entered",
    429: "Too many attempts",
    500: "Sorry, something went wrong",
}


def status_for(exc: BaseException) -> int:
    for cls, status in STATUS_OF.items():
        if isinstance(exc, cls):
            return status
    return HTTP_400_BAD_REQUEST


def problems_of(exc: BaseException) -> list[dict[str, str]]:
    """Each problem of a refused input as {location, field, reason}."""
    if not isinstance(exc, RejectedInput):
        return []
    return [{"location": p.location, "field": p.field, "reason": p.reason} for p in exc.problems]


@dataclass(frozen=True, slots=True)
class ErrorPage:
    title: str
    status: int
    detail: str
    problems: tuple[dict[str, str], ...]
    nav: None = None


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith(API_PREFIX) or request.url.path.startswith("/schema"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _respond(
    request: Request[Any, Any, Any], status: int, detail: str, problems: list[dict[str, str]]
) -> Response[Any]:
    if _wants_json(request):
        body: dict[str, Any] = {"status_code": status, "detail": detail}
        if problems:
            body["problems"] = problems
        return Response(body, status_code=status, media_type=MediaType.JSON)
    context = ErrorPage(
        title=TITLES.get(status, "Something went wrong"),
        status=status,
        detail=detail,
        problems=tuple(problems),
    )
    return page("error.html", context, status_code=status)


def service_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = status_for(exc)
    if isinstance(exc, RejectedInput):
        detail = exc.summary
    else:
        detail = str(exc).splitlines()[0] if str(exc) else TITLES.get(status, "")
    response = _respond(request, status, detail, problems_of(exc))
    if isinstance(exc, SymphoniaError) and exc.code:
        response.headers["x-symphonia-error"] = exc.code
    return response


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not _wants_json(request):
        # a page that needs someone signed in: go and sign in, then come back here
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/sign-in?{urlencode({'next': target})}")
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        log.error("server error on %s %s", request.method, request.url.path, exc_info=exc)
        return _respond(request, status, TITLES[500], [])
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else TITLES.get(status, "")
    response = _respond(request, status, detail, [])
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, TITLES[500], [])


ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]

EXCEPTION_HANDLERS: dict[type[Exception] | int, ExceptionHandler] = {
    SymphoniaError: service_error_handler,
    HTTPException: http_error_handler,
    NotAuthorizedException: http_error_handler,
    PermissionDeniedException: http_error_handler,
    LitestarNotFound: http_error_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: unexpected_error_handler,
}
