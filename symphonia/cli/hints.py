"""What to type next: the CLI's words for refusals that carry a `code`.

Services refuse in words that fit any front end and leave the next step to the caller
(:mod:`symphonia.core.errors`); here the command line names the command that fixes it. The
web words the same codes as links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from symphonia.core.errors import SymphoniaError

Hint = Callable[[Mapping[str, Any]], str]


def _close(c: Mapping[str, Any]) -> str:
    return f"`symphonia round close {c['study']} {c['round']}`"


HINTS: Mapping[str, Hint] = {
    "earlier_round_open": lambda c: f"close it first: {_close(c)}",
    "another_round_open": lambda c: f"close it first: {_close(c)}",
    "round_still_open": lambda c: (
        f"close round {c['round']} first ({_close(c)}), then synthesize it"
    ),
    "evidence_round_open": lambda c: f"close round {c['round']} first: {_close(c)}",
    "no_synthesis": lambda c: f"run `symphonia synthesize {c['study']} {c['round']}` first",
    "schema_outdated": lambda c: "run `symphonia db upgrade` first",
    "priority_round_open": lambda c: f"close it first: {_close(c)}",
    "expert_flags_unanswered": lambda c: (
        f"editors answer each flag on the study's flags page (/studies/{c['study']}/flags) "
        f"or through the API (POST /api/v1/studies/{c['study']}/flags/ID/answer)"
    ),
}


def hint_for(exc: BaseException) -> str | None:
    """The next step for `exc`, or None when the message says all there is."""
    if not isinstance(exc, SymphoniaError) or exc.code is None or exc.code not in HINTS:
        return None
    try:
        return HINTS[exc.code](exc.context)
    except KeyError:  # a context without the values the hint names: say nothing
        return None
