"""What a reader reports: the issues found, the refusal they make, and the result it returns.

Imports are all-or-nothing: a file with one bad line is refused whole, and the user is shown
every problem at once (up to :data:`MAX_ERRORS`), each with its line number and field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, NamedTuple, TypeVar

from symphonia.core.errors import Problem, RejectedInput
from symphonia.core.text_rules import NOTHING_IMPORTED, refusal_summary

T = TypeVar("T")
Format = Literal["jsonl", "csv"]
MAX_ERRORS = 50
"""Stop collecting after this many problems: past it the file is clearly the wrong one."""


class Issue(NamedTuple):
    """One problem: the 1-based line (None when not tied to a line), the field, and why.

    `file` is set when the problem is in another file than the refusal's own, as when one
    refusal covers several files (:meth:`InterchangeError.across`).
    """

    line: int | None
    field: str
    reason: str
    file: str | None = None

    def problem(self, file: str) -> Problem:
        """This issue as the error root's :class:`Problem`, located at ``file:line``."""
        file = self.file or file
        where = f"{file}:{self.line}" if self.line is not None else file
        return Problem(where, self.field, self.reason)

    def format(self, file: str) -> str:
        problem = self.problem(file)
        return f"{problem.location}: {problem.field}: {problem.reason}"


class InterchangeError(RejectedInput, ValueError):
    """A file that was refused, with every problem found in it.

    `consequence` ends the summary line; importers say "nothing was imported", while
    `analyze`, which imports nothing, says "nothing was written" (see :meth:`restated`).
    """

    def __init__(
        self,
        file: str,
        errors: Sequence[Issue],
        truncated: bool = False,
        consequence: str = NOTHING_IMPORTED,
    ) -> None:
        self.file = file
        self.errors = list(errors)
        self.truncated = truncated
        self.consequence = consequence
        count = f"{len(self.errors)}{'+' if truncated else ''}"
        summary = refusal_summary(file, count, consequence)
        self.details = [e.format(file) for e in self.errors]
        if truncated:
            self.details.append(
                f"{file}: stopped after {len(self.errors)} problems; there may be more"
            )
        problems = [e.problem(file) for e in self.errors]
        super().__init__(summary, problems, message="\n".join([summary, *self.details]))

    def restated(self, consequence: str) -> InterchangeError:
        """The same refusal, ending in another consequence."""
        return InterchangeError(self.file, self.errors, self.truncated, consequence)

    @classmethod
    def across(
        cls,
        issues: Sequence[Issue],
        truncated: bool = False,
        consequence: str = NOTHING_IMPORTED,
    ) -> InterchangeError:
        """One refusal for problems found in several files; each issue names its file."""
        files = list(dict.fromkeys(i.file for i in issues if i.file))
        return cls(" and ".join(files) or "<input>", issues, truncated, consequence)


@dataclass(slots=True)
class ReadResult(Generic[T]):
    """What a reader found: the records, or (never both) the problems that refuse them."""

    file: str
    records: list[T] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    truncated: bool = False
    lines: list[int] = field(default_factory=list)
    """The line each record was read from (same order), for messages about a record that
    only a later check (the panel, the round) finds wrong."""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def issues(self) -> list[Issue]:
        """The problems, each naming this file (to refuse several files together)."""
        return [e if e.file else e._replace(file=self.file) for e in self.errors]

    def unwrap(self) -> list[T]:
        """The records, or :class:`InterchangeError` listing every problem."""
        if self.errors:
            raise InterchangeError(self.file, self.errors, self.truncated)
        return self.records


class Collector:
    """Gathers issues up to :data:`MAX_ERRORS`."""

    def __init__(self, cap: int = MAX_ERRORS) -> None:
        self.cap = cap
        self.errors: list[Issue] = []
        self.truncated = False

    def add(self, line: int | None, field_name: str, reason: str) -> None:
        if len(self.errors) >= self.cap:
            self.truncated = True
        else:
            self.errors.append(Issue(line, field_name, reason))

    @property
    def full(self) -> bool:
        return len(self.errors) >= self.cap

    def result(self, file: str, records: list[T], lines: list[int] | None = None) -> ReadResult[T]:
        if self.errors:
            return ReadResult(file, [], self.errors, self.truncated)
        return ReadResult(file, records, lines=list(lines or []))

    def require_some(self, records: Sequence[object], what: str, fmt: Format) -> None:
        """An empty file is refused: importing nothing is never what the user meant, and a
        silent "imported 0" would also leave an audit event for an import of nothing."""
        if records or self.errors:
            return
        layout = (
            "a header row and one row per record" if fmt == "csv" else "one JSON object per line"
        )
        self.add(None, "(file)", f"holds no {what}; expected {layout}")
