"""Prioritisation studies: the locked setup, the candidate items, and the panel's scores.

A study is a prioritisation study when it has a `PrioritySetup` row (the criteria, weights and
aggregation settings, as JSON; fixed when round 1 opens, like the protocol). Items belong to
the study, not to a round: every rating round scores the same items, so the rounds can be
compared. A score is one rater's answer for one item on one criterion in one round; `score`
NULL is "cannot judge", an answer in its own right. Like ratings, scores may be changed while
their round is open (an expert revising their sheet), so they are not append-only; every
import and submission is in the audit log.
"""

from __future__ import annotations

import enum
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.db.models.base import JSON, AuditColumns, Base, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.study import Participant


class ItemOrigin(enum.StrEnum):
    FILE = "file"
    """Declared in the study's items file (kept in step with it until the items lock)."""
    FRAGMENT = "fragment"
    """Promoted by the facilitator from round-1 `action` fragments."""


class PrioritySetup(AuditColumns, Base):
    __tablename__ = "priority_setup"

    study_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("study.id", ondelete="CASCADE"), unique=True
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """`symphonia.core.priorities.definition.settings_to_dict`: rule, weights, criteria."""


class PriorityItem(AuditColumns, Base):
    __tablename__ = "priority_item"
    __table_args__ = (sa.UniqueConstraint("study_id", "external_id"),)

    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    fragment_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    origin: Mapped[ItemOrigin] = mapped_column(enum_type(ItemOrigin, "item_origin"))
    position: Mapped[int] = mapped_column(default=0)


class PriorityScore(AuditColumns, Base):
    __tablename__ = "priority_score"
    __table_args__ = (sa.UniqueConstraint("round_id", "item_id", "criterion", "rater_id"),)

    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("priority_item.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(sa.String(64))
    rater_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    score: Mapped[int | None]
    """NULL: the rater cannot judge the item on this criterion."""

    item: Mapped[PriorityItem] = relationship()
    rater: Mapped[Participant] = relationship()
