"""Errors a use case refuses with. They carry a message fit to show the user as it is.

Services never raise HTTP exceptions: the web layer and the CLI translate these.
"""

from __future__ import annotations

from collections.abc import Sequence


class ServiceError(Exception):
    """Base of every refusal by a use case."""


class NotFound(ServiceError):
    """The study, round, item or participant named does not exist."""


class Conflict(ServiceError):
    """The request contradicts the current state (a closed round, a locked protocol...)."""


class RejectedInput(ServiceError):
    """Input that breaks a rule; `problems` lists every one, so the user can fix all at once."""

    def __init__(self, summary: str, problems: Sequence[str]) -> None:
        shown = list(problems[:50])
        more = len(problems) - len(shown)
        lines = [summary, *(f"  - {p}" for p in shown)]
        if more > 0:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines))
        self.problems = list(problems)
