"""Batches of invitations and reminders, and each message's delivery: the record that makes a
mailing resumable by any worker and sent exactly once (see :mod:`symphonia.jobs.mailings`)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from symphonia.db.models.base import JSON, AuditColumns, Base, enum_type


class MailKind(enum.StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"


class MailingState(enum.StrEnum):
    SENDING = "sending"
    FINISHED = "finished"
    STOPPED = "stopped"
    """Stopped early: the mail server kept failing, or the sending stopped with an error."""


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """Claimed: its link issued, the message being handed to the mailer. A delivery found
    in this state by a later attempt was interrupted mid-hand-over (its worker died)."""
    SENT = "sent"
    FAILED = "failed"
    NOT_SENT = "not_sent"
    """Never attempted: the batch stopped first."""
    UNCERTAIN = "uncertain"
    """Interrupted mid-hand-over to an SMTP server, so it may have gone out: never sent
    again automatically (a duplicate is worse than asking the facilitator)."""


class Mailing(AuditColumns, Base):
    """One batch: who asked (as the audit log names them), what, and how it ended."""

    __tablename__ = "mailing"
    __table_args__ = (sa.Index(None, "study_id", "created_at"),)

    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"))
    kind: Mapped[MailKind] = mapped_column(enum_type(MailKind, "mail_kind"))
    round_number: Mapped[int | None]
    state: Mapped[MailingState] = mapped_column(
        enum_type(MailingState, "mailing_state"), default=MailingState.SENDING
    )
    error: Mapped[str | None] = mapped_column(sa.Text)
    skipped: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """[[pseudonym, why], ...] for panellists the plan left out."""
    requested_by: Mapped[str] = mapped_column(sa.String(200))
    requested_by_kind: Mapped[str] = mapped_column(sa.String(32))
    requested_by_id: Mapped[uuid.UUID | None]
    """Who started the batch (account or operator): the sending acts in their name."""
    finished_at: Mapped[datetime.datetime | None]


class MailDelivery(AuditColumns, Base):
    """One message of a batch. `attempts` is the claim's fencing token: only the attempt that
    claimed a delivery may mark it sent or failed."""

    __tablename__ = "mail_delivery"
    __table_args__ = (
        sa.UniqueConstraint("mailing_id", "participant_id"),
        sa.Index(None, "mailing_id", "position"),
    )

    mailing_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("mailing.id", ondelete="CASCADE"))
    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    state: Mapped[DeliveryState] = mapped_column(
        enum_type(DeliveryState, "delivery_state"), default=DeliveryState.PENDING
    )
    error: Mapped[str | None] = mapped_column(sa.Text)
    link_id: Mapped[uuid.UUID | None]
    """The sign-in link the message carries (issued when the delivery is claimed)."""
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime.datetime | None]


__all__ = ["DeliveryState", "MailDelivery", "MailKind", "Mailing", "MailingState"]
