"""How a refusal with many problems is shown: the summary, the first few, and a count.

A file refused whole can hold hundreds of problems (re-importing a ratings file makes every
line a duplicate). The first screenful is what a user reads and fixes, and the rest is
usually the same problem again, so the terminal gets at most :data:`MAX_SHOWN` of them and
"… and N more".
"""

from __future__ import annotations

from symphonia.core.errors import RejectedInput
from symphonia.interchange import InterchangeError
from symphonia.studyfiles import StudyFileError

MAX_SHOWN = 20


def refusal_lines(exc: BaseException) -> list[str]:
    """The lines to print for `exc`: a summary, then its problems, capped."""
    if isinstance(exc, InterchangeError):
        # `details` lists one line per problem, then (when the reader stopped counting) a note
        # that there may be more: the note is kept whatever the cap hides.
        problems, note = exc.details[: len(exc.errors)], exc.details[len(exc.errors) :]
        return [exc.summary, *_capped(problems), *note]
    if isinstance(exc, StudyFileError):
        return _capped([str(p) for p in exc.problems])
    if isinstance(exc, RejectedInput):
        summary = str(exc).splitlines()[0]
        return [summary, *_capped([f"  - {p}" for p in exc.problems])]
    return str(exc).splitlines() or [type(exc).__name__]


def _capped(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_SHOWN:
        return lines
    return [*lines[:MAX_SHOWN], f"  … and {len(lines) - MAX_SHOWN} more"]
