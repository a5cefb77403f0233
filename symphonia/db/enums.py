"""Enumerations the storage layer needs beyond those of `symphonia.core`.

Stored as strings (VARCHAR plus a named CHECK constraint), never as native PostgreSQL enum
types, so the same migration works on SQLite and PostgreSQL and adding a value is a plain
constraint change. Domain enums that already exist in `symphonia.core` (fragment kind, theme
status, section, strength) are reused as they are.
"""

from __future__ import annotations

import enum

from symphonia.core.amendments import AmendmentAction
from symphonia.core.study import Anonymity, ParticipantRole, RoundKind

__all__ = [
    "AmendmentAction",
    "Anonymity",
    "Origin",
    "ParticipantRole",
    "RoundKind",
    "RoundStatus",
    "RunStatus",
]


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ANALYSED = "analysed"
    PUBLISHED = "published"


class RunStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Origin(enum.StrEnum):
    """Who wrote a synthesis version or statement."""

    EXTRACTIVE = "extractive"
    LLM = "llm"
    EDITOR = "editor"
