"""Panellists' flags: "this statement misrepresents me", and the editors' answer.

A flag is about one stored statement (the row of the version the panellist read, published
or a draft they were allowed to see), raised by the participant whose fragment it cites,
with a comment. It is answered once, by an editor of the study: either by an amendment of
that statement (`amendment_id` links it) or by keeping it, with a written reason. Until then
the study's next publication is refused (`symphonia.services.publishing`).

The raising columns never change; the answer columns go from NULL to a value once (the
service refuses a second answer), so the table is the record of both acts.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.db.models.base import Base, CreatedAt, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.accounts import Account
    from symphonia.db.models.study import Participant
    from symphonia.db.models.synthesis import Amendment, Statement, SynthesisVersion


class FlagAnswer(enum.StrEnum):
    AMENDED = "amended"
    """The statement was amended: `amendment_id` names the change."""
    KEPT = "kept"
    """The editors keep the statement as it is, for the reason they give."""


class StatementFlag(CreatedAt, Base):
    """One panellist's flag on one statement, and (once) the editors' answer."""

    __tablename__ = "statement_flag"
    __table_args__ = (
        sa.CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answer_has_a_moment"),
        sa.CheckConstraint(
            "answer IS NULL OR answer != 'amended' OR amendment_id IS NOT NULL",
            name="amended_names_its_amendment",
        ),
    )

    study_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("study.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id"), index=True)
    version_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("synthesis_version.id"))
    statement_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("statement.id"), index=True)
    statement_key: Mapped[str] = mapped_column(sa.String(64))
    participant_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("participant.id"), index=True)
    comment: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[FlagAnswer | None] = mapped_column(enum_type(FlagAnswer, "flag_answer"))
    answer_reason: Mapped[str | None] = mapped_column(sa.Text)
    amendment_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("amendment.id"))
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id"))
    answered_by: Mapped[str | None] = mapped_column(sa.String(200))
    """Who answered, as the audit log names them (also when not an account, e.g. the CLI)."""
    answered_at: Mapped[datetime.datetime | None]

    version: Mapped[SynthesisVersion] = relationship()
    statement: Mapped[Statement] = relationship()
    participant: Mapped[Participant] = relationship()
    amendment: Mapped[Amendment | None] = relationship()
    answerer: Mapped[Account | None] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
