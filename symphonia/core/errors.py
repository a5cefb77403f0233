"""The one error root every refusal in Symphonia hangs from, so each caller maps them once.

Services, file readers and the domain raise these; none of them knows who is asking. The
command line turns them into a message and exit code 2, the web plugin into a status code
(404, 403, 409, 422) and a form's error summary. Because the same refusal reaches a terminal
and a browser, a refusal never names a shell command or a URL: one that wants a next step
carries a machine-readable :attr:`SymphoniaError.code` and :attr:`SymphoniaError.context`
(the study, the round), and each front end words the hint its own way.

A :class:`RejectedInput` lists every :class:`Problem` at once, each with where it is (a file
and line, a record, a form's group of fields), the field, and why, so a form can mark the
field and the command line can print ``file:line``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

MAX_LISTED = 50
"""Problems written into a refusal's message; :attr:`RejectedInput.problems` keeps them all."""


class SymphoniaError(Exception):
    """Root of every refusal Symphonia raises on purpose; the message is fit to show as it is.

    `code` names the refusal for programs (``round_still_open``); `context` holds the values a
    front end needs to word a hint or build a link (``{"study": "x", "round": 1}``).
    """

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.context: Mapping[str, Any] = MappingProxyType(dict(context or {}))


class NotFound(SymphoniaError):
    """What was named does not exist, or the caller may not know that it does (another
    study's rounds look exactly like rounds that were never made)."""


class PermissionDenied(SymphoniaError):
    """The caller can see the thing but holds no role that allows this action on it."""


class AuthenticationFailed(PermissionDenied):
    """A sign-in link, token or password that does not sign anyone in (unknown, used,
    expired, revoked, or a wrong password); `code` says which where saying so is safe."""


class Conflict(SymphoniaError):
    """The request contradicts the current state (a closed round, a locked protocol...)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an input was refused.

    `location` says where (``ratings.jsonl:7``, ``fragment 'f1'``, a form's group of fields;
    empty when the whole input is meant), `field` names the field (empty when none applies),
    `reason` says why, in words a person can act on.
    """

    location: str
    field: str
    reason: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.location, self.field, self.reason) if part)


class RejectedInput(SymphoniaError):
    """Input that breaks a rule; `problems` lists every one, so the user can fix all at once.

    The message is the summary, then one ``  - problem`` line per problem (the first
    :data:`MAX_LISTED`); subclasses that word their message differently pass `message`.
    """

    def __init__(
        self,
        summary: str,
        problems: Sequence[Problem],
        *,
        message: str | None = None,
        code: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.summary = summary
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(
            message if message is not None else self._listing(), code=code, context=context
        )

    def _listing(self) -> str:
        shown = self.problems[:MAX_LISTED]
        lines = [self.summary, *(f"  - {p}" for p in shown)]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        return "\n".join(lines)


__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "RejectedInput",
    "SymphoniaError",
]
