"""Enumerations the storage layer needs beyond those of `symphonia.core`.

Stored as strings (VARCHAR plus a named CHECK constraint), never as native PostgreSQL enum
types, so the same migration works on SQLite and PostgreSQL and adding a value is a plain
constraint change. Domain enums that already exist in `symphonia.core` (fragment kind, theme
status, section, strength) are reused as they are.
"""

from __future__ import annotations

import enum


class Anonymity(enum.StrEnum):
    """What panellists see of each other."""

    ANONYMOUS = "anonymous"
    """Nothing: contributions are shown without any author marker."""
    PSEUDONYMOUS = "pseudonymous"
    """Stable pseudonyms such as `E07` (the Delphi default: quasi-anonymity)."""
    NAMED = "named"
    """Display names are shown to the panel."""


class ParticipantRole(enum.StrEnum):
    EXPERT = "expert"
    FACILITATOR = "facilitator"
    EDITOR = "editor"


class RoundKind(enum.StrEnum):
    CONTRIBUTE = "contribute"
    """Panellists submit evidence fragments."""
    RATE = "rate"
    """Panellists rate statements of the previous round's synthesis."""


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


class AmendmentAction(enum.StrEnum):
    """What an editor did to the statement(s) an amendment links."""

    EDIT = "edit"
    MERGE = "merge"
    SPLIT = "split"
    RECLASSIFY = "reclassify"
    ADD = "add"
    REMOVE = "remove"
