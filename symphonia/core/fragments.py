"""Evidence fragments and ratings: the two things experts contribute.

These are plain frozen dataclasses so the pipeline can pass them around without a database,
and validation lives here (not in the importers) so the CLI, the API and the web forms all
refuse the same bad input with the same message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from symphonia.core.errors import Problem, RejectedInput

MAX_TEXT_CHARS = 4000
"""Longest fragment text accepted. A fragment is one piece of evidence, not an essay."""

MAX_ID_CHARS = 64
"""Longest fragment or item id: ids are keys in the database and anchors in reports."""

MAX_QUESTION_CHARS = 300
"""A fragment's optional topic is a short label, not a second text."""

MIN_CONFIDENCE = 1
MAX_CONFIDENCE = 5


class FragmentKind(enum.StrEnum):
    """What a fragment is, as the contributor declared it."""

    CLAIM = "claim"
    ACTION = "action"
    BARRIER = "barrier"
    EXAMPLE = "example"
    CAVEAT = "caveat"
    UNCERTAINTY = "uncertainty"
    ARGUMENT_FOR = "argument_for"
    ARGUMENT_AGAINST = "argument_against"

    @property
    def stance(self) -> int:
        """+1 for arguments for, -1 for arguments against, 0 for everything else."""
        if self is FragmentKind.ARGUMENT_FOR:
            return 1
        if self is FragmentKind.ARGUMENT_AGAINST:
            return -1
        return 0


FRAGMENT_KINDS: tuple[str, ...] = tuple(k.value for k in FragmentKind)


class InvalidInput(RejectedInput, ValueError):
    """Input that breaks a rule of the domain; the message says which field and why."""

    def __init__(self, field_name: str, reason: str) -> None:
        message = f"{field_name}: {reason}"
        super().__init__(message, [Problem("", field_name, reason)], message=message)
        self.field_name = field_name
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Fragment:
    """One structured piece of evidence from one contributor (DESIGN.md §6)."""

    id: str
    author: str
    kind: FragmentKind
    text: str
    confidence: int = 3
    group: str | None = None
    question: str | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        validate_fragment_fields(self.id, self.author, self.text, self.confidence)
        if self.question is not None and len(self.question) > MAX_QUESTION_CHARS:
            raise InvalidInput(
                "question",
                f"is {len(self.question)} characters long; the limit is {MAX_QUESTION_CHARS}",
            )


def validate_fragment_fields(fid: str, author: str, text: str, confidence: int) -> None:
    """Refuse a fragment the synthesis could not use faithfully."""
    if not isinstance(fid, str) or not fid.strip():
        raise InvalidInput("id", "must be a non-empty string")
    if len(fid) > MAX_ID_CHARS:
        raise InvalidInput("id", f"is {len(fid)} characters long; the limit is {MAX_ID_CHARS}")
    if not isinstance(author, str) or not author.strip():
        raise InvalidInput("author", "must be a non-empty string")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text", "must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput("text", f"is {len(text)} characters long; the limit is {MAX_TEXT_CHARS}")
    if isinstance(confidence, bool) or not isinstance(confidence, int):
        raise InvalidInput("confidence", "must be a whole number from 1 to 5")
    if not MIN_CONFIDENCE <= confidence <= MAX_CONFIDENCE:
        raise InvalidInput(
            "confidence", f"is {confidence}; it must be from {MIN_CONFIDENCE} to {MAX_CONFIDENCE}"
        )


def parse_kind(value: object) -> FragmentKind:
    """Map a raw kind to the enum, naming the allowed kinds when it is unknown."""
    try:
        return FragmentKind(str(value))
    except ValueError:
        raise InvalidInput(
            "kind", f"unknown kind {value!r}; expected one of {', '.join(FRAGMENT_KINDS)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Rating:
    """One panellist's score for one item (a statement or a fragment) on the study's scale."""

    item: str
    rater: str
    score: int
