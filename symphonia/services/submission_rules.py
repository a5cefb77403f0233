"""What an expert's fragment from a form must be, and how a stored one reads back.

The rules are the domain's (`symphonia.core.fragments`, `symphonia.core.text_rules`), but a
form wants every problem at once, each naming its field, rather than the first one the
domain object trips on; so they are checked here field by field first.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from symphonia.core.errors import Problem, RejectedInput
from symphonia.core.fragments import (
    FRAGMENT_KINDS,
    MAX_CONFIDENCE,
    MAX_QUESTION_CHARS,
    MAX_TEXT_CHARS,
    MIN_CONFIDENCE,
    FragmentKind,
)
from symphonia.core.text_rules import unusable_character
from symphonia.db.models import Fragment, FragmentWithdrawal, Participant

MAX_SOURCES = 20
MAX_SOURCE_CHARS = 500
MAX_KEY_CHARS = 128


@dataclass(frozen=True, slots=True)
class FragmentDraftInput:
    """A fragment as a form or an API body gives it (the author is the caller)."""

    kind: str
    text: str
    confidence: int | str = 3
    sources: Sequence[str] = ()
    question: str | None = None


@dataclass(frozen=True, slots=True)
class CheckedFragment:
    kind: FragmentKind
    text: str
    confidence: int
    sources: tuple[str, ...]
    question: str | None


def _text(name: str, value: str, limit: int, problems: list[Problem], *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        problems.append(Problem("fragment", name, "must not be empty"))
    elif len(value) > limit:
        problems.append(
            Problem("fragment", name, f"is {len(value)} characters long; the limit is {limit}")
        )
    elif (bad := unusable_character(value)) is not None:
        problems.append(Problem("fragment", name, bad))
    return value


def _confidence(value: int | str, problems: list[Problem]) -> int:
    try:
        number = int(value) if not isinstance(value, bool) else -1
    except (TypeError, ValueError):
        number = -1
    if not MIN_CONFIDENCE <= number <= MAX_CONFIDENCE:
        reason = f"must be a whole number from {MIN_CONFIDENCE} to {MAX_CONFIDENCE}"
        problems.append(Problem("fragment", "confidence", reason))
    return number


def checked(draft: FragmentDraftInput, idempotency_key: str | None) -> CheckedFragment:
    """The draft, checked: or :class:`RejectedInput` listing every problem by field."""
    problems: list[Problem] = []
    kind = None
    try:
        kind = FragmentKind(draft.kind)
    except ValueError:
        reason = f"unknown kind {draft.kind!r}; expected one of {', '.join(FRAGMENT_KINDS)}"
        problems.append(Problem("fragment", "kind", reason))
    text = _text("text", draft.text, MAX_TEXT_CHARS, problems, required=True)
    confidence = _confidence(draft.confidence, problems)
    if len(draft.sources) > MAX_SOURCES:
        reason = f"{len(draft.sources)} given; at most {MAX_SOURCES}"
        problems.append(Problem("fragment", "sources", reason))
    sources = tuple(
        _text(f"sources[{n}]", s, MAX_SOURCE_CHARS, problems, required=False)
        for n, s in enumerate(draft.sources[:MAX_SOURCES])
    )
    question = draft.question
    if question is not None:
        question = _text("question", question, MAX_QUESTION_CHARS, problems, required=False)
    if idempotency_key is not None:
        _text("idempotency_key", idempotency_key, MAX_KEY_CHARS, problems, required=True)
    if problems or kind is None:
        raise RejectedInput(f"the fragment was not stored: {len(problems)} problem(s)", problems)
    return CheckedFragment(kind, text, confidence, tuple(s for s in sources if s), question or None)


@dataclass(frozen=True, slots=True)
class FragmentView:
    """A stored fragment as its author (or a facilitator) reads it back."""

    id: str
    author: str
    kind: FragmentKind
    text: str
    confidence: int
    sources: tuple[str, ...]
    question: str | None
    created_at: datetime.datetime
    supersedes: str | None
    """The id of the version this one replaced, if it is an edit."""

    @classmethod
    async def of(cls, session: AsyncSession, row: Fragment, author: Participant) -> FragmentView:
        previous = None
        if row.supersedes_id is not None:
            previous = await session.scalar(
                select(Fragment.external_id).where(Fragment.id == row.supersedes_id)
            )
        return cls(
            id=row.external_id,
            author=author.pseudonym,
            kind=row.kind,
            text=row.text,
            confidence=row.confidence,
            sources=tuple(row.sources),
            question=row.question,
            created_at=row.created_at,
            supersedes=previous,
        )


def current_fragments() -> ColumnElement[bool]:
    """A WHERE clause on `Fragment`: the latest of its chain of edits, and not withdrawn."""
    newer = aliased(Fragment)
    edited = exists().where(newer.supersedes_id == Fragment.id)
    withdrawn = exists().where(FragmentWithdrawal.fragment_id == Fragment.id)
    return ~edited & ~withdrawn
