"""A refused change, shown on the editor's form: each problem beside the field it is about,
and a stale revision as the other editor's text beside the editor's own."""

from __future__ import annotations

from symphonia.core.errors import Conflict, RejectedInput

_FIELD = {
    "text": "text",
    "section": "section",
    "citations": "add",
    "remove": "add",
    "other": "other",
    "parts": "part1",
    "reason": "reason",
}
"""Where on the form a service's problem (by its field) is shown; others go to `reason`."""


def form_errors(refused: RejectedInput, action: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in refused.problems:
        name = _FIELD.get(problem.field, "reason")
        if action == "split" and ", part " in problem.location:
            part = problem.location.rsplit(", part ", 1)[1]
            name = f"part{part}" + ("_citations" if problem.field == "citations" else "")
        reason = problem.reason[:1].upper() + problem.reason[1:]
        errors[name] = f"{errors[name]}; {reason}" if name in errors else reason
    return errors


def conflict_of(refused: Exception | None) -> tuple[str, int] | None:
    """(the current text, its revision) when another editor's change got there first."""
    if not isinstance(refused, Conflict) or refused.code != "stale_statement":
        return None
    return str(refused.context["current_text"]), int(refused.context["current_revision"])
