"""Refusals of API requests as 422 with every problem listed: `{status_code, detail,
problems: [{location, field, reason}]}`, whether the body did not parse (a missing field,
a string where a number goes, an unknown field), a header was missing, or a service found
the values wrong.

Litestar refuses a body or a parameter it cannot read with a 400 and its own message list;
an API client wants one shape for every refused input, naming the field, so this module
turns those into the same problems the services raise. It is registered on the API
controllers (`exception_handlers`), so pages keep their own error pages.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_422_UNPROCESSABLE_ENTITY
from litestar.types import ExceptionHandlersMap

from symphonia.core.errors import Problem, RejectedInput
from symphonia.web.errors import http_error_handler

MISSING_HEADER = re.compile(r"Missing required header parameter '([^']+)'")
LOCATIONS = {
    "body": "body",
    "header": "header",
    "query": "query",
    "path": "path",
    "cookie": "cookie",
}


def _problem(item: Any) -> Problem:
    if not isinstance(item, dict):
        return Problem("body", "", str(item))
    message = str(item.get("message", "is not valid"))
    field = str(item.get("key", ""))
    source = str(item.get("source", "body"))
    location = LOCATIONS.get(source, "body")
    if missing := MISSING_HEADER.match(message):
        return Problem("header", missing.group(1), "is required")
    if message.startswith("Object contains unknown field"):
        field = message.split("`")[1] if "`" in message else field
        message = "is not a field of this object"
    elif message.startswith("Object missing required field"):
        field = message.split("`")[1] if "`" in message else field
        message = "is required"
    return Problem(location, field.removeprefix("$."), message)


def problems_of_validation(exc: ClientException) -> list[Problem]:
    """The problems Litestar found reading a request, as (location, field, reason)."""
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    problems = [_problem(item) for item in extra]
    if problems:
        return problems
    detail = str(exc.detail or "could not be read")
    missing = MISSING_HEADER.match(detail)
    if missing:
        return [Problem("header", missing.group(1), "is required")]
    return [Problem("body", "", detail)]


def in_body(refusal: RejectedInput) -> RejectedInput:
    """A service's refusal of a request body, its problems located in the body."""
    moved = [Problem("body", p.field, p.reason) for p in refusal.problems]
    return RejectedInput(refusal.summary, moved, code=refusal.code, context=refusal.context)


def refusal_response(status: int, detail: str, problems: list[Problem]) -> Response[Any]:
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if problems:
        body["problems"] = [
            {"location": p.location, "field": p.field, "reason": p.reason} for p in problems
        ]
    return Response(body, status_code=status, media_type=MediaType.JSON)


def validation_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """422 with problems for a request Litestar could not read (a 400 of its own: an
    invalid body, a missing header); other client errors keep their status and the app's
    usual JSON answer."""
    assert isinstance(exc, ClientException)
    if exc.status_code != HTTP_400_BAD_REQUEST:
        return http_error_handler(request, exc)
    problems = problems_of_validation(exc)
    detail = f"the request was not used: {len(problems)} problem(s)"
    return refusal_response(HTTP_422_UNPROCESSABLE_ENTITY, detail, problems)


API_EXCEPTION_HANDLERS: ExceptionHandlersMap = {ClientException: validation_handler}
