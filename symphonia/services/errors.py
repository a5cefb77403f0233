"""The refusals use cases raise: the error root's classes, under the names services use.

Services never raise HTTP exceptions nor name shell commands: the web layer and the CLI
translate these (see :mod:`symphonia.core.errors`). ``ServiceError`` is the root itself, so
``except ServiceError`` still catches every refusal.
"""

from __future__ import annotations

from symphonia.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    Problem,
    RejectedInput,
    SymphoniaError,
)

ServiceError = SymphoniaError

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "RejectedInput",
    "ServiceError",
    "SymphoniaError",
]
