"""The audit log: who did what, when. APPEND-ONLY."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy.orm import Mapped, mapped_column

from symphonia.db.models.base import JSON, Base, utcnow


class AuditEvent(Base):
    """One state change, written in the same transaction as the change itself.

    `subject_id` is text so any key (UUID, slug, interchange id) fits; `actor` is the label
    the log shows (``account:ann@example.org``, ``participant:E07``, ``cli``), `actor_kind`
    and `actor_id` say who that was (`symphonia.core.actors.Actor`): the id of the account or
    participant, None for the operator and the system. Events recorded before actors had
    kinds keep None in both.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index(None, "study_id", "at"),
        sa.Index(None, "subject_type", "subject_id"),
    )

    study_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("study.id"))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_kind: Mapped[str | None] = mapped_column(sa.String(16))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(100))
    subject_type: Mapped[str] = mapped_column(sa.String(64))
    subject_id: Mapped[str] = mapped_column(sa.String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime.datetime] = mapped_column(DateTimeUTC(timezone=True), default=utcnow)
