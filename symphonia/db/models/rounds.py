"""Rounds and what experts contribute in them: fragments, rating items and ratings."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.core.fragments import FragmentKind
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.models.base import JSON, AuditColumns, Base, CreatedAt, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.study import Participant, Study


class Round(AuditColumns, Base):
    """One Delphi round of a study, numbered from 1, with its schedule and lifecycle status."""

    __tablename__ = "round"
    __table_args__ = (
        sa.UniqueConstraint("study_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    study_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"))
    number: Mapped[int]
    kind: Mapped[RoundKind] = mapped_column(
        enum_type(RoundKind, "round_kind"), default=RoundKind.CONTRIBUTE
    )
    status: Mapped[RoundStatus] = mapped_column(
        enum_type(RoundStatus, "round_status"), default=RoundStatus.DRAFT
    )
    opens_at: Mapped[datetime.datetime | None]
    closes_at: Mapped[datetime.datetime | None]

    study: Mapped[Study] = relationship(back_populates="rounds")
    fragments: Mapped[list[Fragment]] = relationship(
        back_populates="round", order_by="Fragment.created_at", passive_deletes="all"
    )
    """Never cascaded: fragments outlive nothing; deleting a round that has any is refused."""
    rating_items: Mapped[list[RatingItem]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="RatingItem.position"
    )


class Fragment(CreatedAt, Base):
    """One submitted piece of evidence. APPEND-ONLY: never updated, never deleted.

    A revision is a new fragment whose `supersedes_id` points at the one it replaces, so the
    provenance of every statement that cited the old text stays true.
    `external_id` is the interchange `id` (unique within the round).
    """

    __tablename__ = "fragment"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "external_id"),
        sa.CheckConstraint("confidence BETWEEN 1 AND 5", name="confidence_range"),
        sa.Index(None, "author_id", "round_id", "idempotency_key", unique=True),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id"))
    external_id: Mapped[str] = mapped_column(sa.String(64))
    author_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    kind: Mapped[FragmentKind] = mapped_column(enum_type(FragmentKind, "fragment_kind"))
    text: Mapped[str] = mapped_column(sa.Text)
    confidence: Mapped[int] = mapped_column(default=3)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    question: Mapped[str | None] = mapped_column(sa.String(300))
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("fragment.id"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(128))
    """The key a web or API submission came with: the same key again returns this fragment
    instead of storing a second one (a double click, a retried request)."""

    round: Mapped[Round] = relationship(back_populates="fragments")
    author: Mapped[Participant] = relationship()


class RatingItem(AuditColumns, Base):
    """Something panellists rate in a round: usually a statement of the previous synthesis.

    `external_id` is the interchange rating `item`; `fragment_ids` are the interchange ids of
    the fragments behind it, so raters can be shown the evidence.
    """

    __tablename__ = "rating_item"
    __table_args__ = (sa.UniqueConstraint("round_id", "external_id"),)

    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(64))
    text: Mapped[str] = mapped_column(sa.Text)
    fragment_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("statement.id"), index=True
    )
    """The synthesis statement this item presents, when it presents one."""
    position: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="rating_items")


class Rating(AuditColumns, Base):
    """One panellist's score for one item; re-rating while the round is open updates the row.

    `score` NULL is "cannot judge" (issue 10 §4): an answer that counts as taking part in
    the round, never as a score, so every statistic reads only rows with a score.

    The composite foreign key (round_id, item_external_id) makes sure the item exists in
    that very round.
    """

    __tablename__ = "rating"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "item_external_id", "rater_id"),
        sa.ForeignKeyConstraint(
            ["round_id", "item_external_id"],
            ["rating_item.round_id", "rating_item.external_id"],
            ondelete="CASCADE",
        ),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    item_external_id: Mapped[str] = mapped_column(sa.String(64))
    rater_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    score: Mapped[int | None]
    """NULL: the rater cannot judge the item."""
    comment: Mapped[str | None] = mapped_column(sa.Text)
    """The rater's reason, shown back to the panel in the next round."""

    rater: Mapped[Participant] = relationship()


class RatingTally(CreatedAt, Base):
    """How many ratings one item received at one score, without who gave them.

    For sources that publish only counts (a Polis export whose votes.csv is empty carries
    `agrees` and `disagrees` per comment in comments.csv). No participant is invented for
    them: they are evidence of how an item was rated, never of who rated it, so the analysis
    applies no group rule to them and says so. `unrecorded` names what the source left out
    (e.g. "passes"); `source` is where the counts were read.
    """

    __tablename__ = "rating_tally"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "item_external_id", "score"),
        sa.CheckConstraint("count >= 0", name="count_not_negative"),
        sa.ForeignKeyConstraint(
            ["round_id", "item_external_id"],
            ["rating_item.round_id", "rating_item.external_id"],
            ondelete="CASCADE",
        ),
    )

    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    item_external_id: Mapped[str] = mapped_column(sa.String(64))
    score: Mapped[int]
    count: Mapped[int]
    unrecorded: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.Text, default="")
