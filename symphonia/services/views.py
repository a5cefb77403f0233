"""Read models of the study and its rounds: what services hand out instead of ORM rows.

Frozen dataclasses built while the session is open, so a template, a JSON encoder or the CLI
never touches a lazy attribute after the transaction ended (under asyncio that would be
implicit I/O, refused), and nothing outside the services can change a row by accident.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from symphonia.db.enums import Anonymity, RoundKind, RoundStatus
from symphonia.db.models import Round, Study


@dataclass(frozen=True, slots=True)
class StudyView:
    id: uuid.UUID
    slug: str
    title: str
    question: str
    description: str
    synthetic: bool
    anonymity: Anonymity
    protocol: Mapping[str, Any]
    protocol_locked_at: datetime.datetime | None

    @classmethod
    def of(cls, row: Study) -> StudyView:
        return cls(
            id=row.id,
            slug=row.slug,
            title=row.title,
            question=row.question,
            description=row.description,
            synthetic=row.synthetic,
            anonymity=row.anonymity,
            protocol=MappingProxyType(dict(row.protocol)),
            protocol_locked_at=row.protocol_locked_at,
        )


@dataclass(frozen=True, slots=True)
class RoundView:
    id: uuid.UUID
    study_slug: str
    number: int
    kind: RoundKind
    status: RoundStatus
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None

    @classmethod
    def of(cls, row: Round, study_slug: str) -> RoundView:
        return cls(
            id=row.id,
            study_slug=study_slug,
            number=row.number,
            kind=row.kind,
            status=row.status,
            opens_at=row.opens_at,
            closes_at=row.closes_at,
        )
