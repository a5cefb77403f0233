"""A study and its panel: stakeholder groups and participants."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.db.enums import Anonymity, ParticipantRole
from symphonia.db.models.base import JSON, AuditColumns, Base, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.rounds import Round


class Study(AuditColumns, Base):
    """One Delphi study: the question, the panel's anonymity and the pre-registered protocol.

    `protocol` holds `symphonia.core.protocol.Protocol` as JSON; `protocol_locked_at` is set
    when round 1 opens, after which services must refuse to change the protocol (the rule
    that decides consensus is fixed before anyone sees the ratings).
    """

    __tablename__ = "study"

    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    question: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    synthetic: Mapped[bool] = mapped_column(default=False)
    """True for demo or generated data, so reports can say so and exports can filter it."""
    anonymity: Mapped[Anonymity] = mapped_column(
        enum_type(Anonymity, "anonymity"), default=Anonymity.PSEUDONYMOUS
    )
    protocol: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    protocol_locked_at: Mapped[datetime.datetime | None]

    groups: Mapped[list[StakeholderGroup]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="StakeholderGroup.key"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="Participant.pseudonym"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="Round.number"
    )


class StakeholderGroup(AuditColumns, Base):
    """A constituency on the panel (e.g. `clinician`, `patient`); consensus is checked per group."""

    __tablename__ = "stakeholder_group"
    __table_args__ = (sa.UniqueConstraint("study_id", "key"),)

    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    """The interchange `group` value."""
    label: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    study: Mapped[Study] = relationship(back_populates="groups")


class Participant(AuditColumns, Base):
    """A panel member, known to the panel by a pseudonym such as `E07`.

    `token_hash` holds a hash of the participant's invitation token (never the token itself),
    unique across studies so a link resolves to exactly one participant.
    """

    __tablename__ = "participant"
    __table_args__ = (
        sa.UniqueConstraint("study_id", "pseudonym"),
        sa.Index(None, "study_id", "email", unique=True),
    )

    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"))
    pseudonym: Mapped[str] = mapped_column(sa.String(32))
    role: Mapped[ParticipantRole] = mapped_column(
        enum_type(ParticipantRole, "participant_role"), default=ParticipantRole.EXPERT
    )
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("stakeholder_group.id", ondelete="SET NULL"), index=True
    )
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    token_hash: Mapped[str | None] = mapped_column(sa.String(128), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    """Where invitations and fresh sign-in links go; lower-cased, one panellist per address
    within a study. Never shown to the panel."""
    auth_epoch: Mapped[int] = mapped_column(default=0)
    """Goes up when every existing session of this panellist must end."""

    study: Mapped[Study] = relationship(back_populates="participants")
    group: Mapped[StakeholderGroup | None] = relationship()
