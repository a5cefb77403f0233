"""What experts do to their fragments from the web: withdraw them, and keep drafts.

A withdrawal is a row of its own (APPEND-ONLY, like the fragment it withdraws), so the
fragment's history stays whole; analysis reads only fragments that are the latest of their
chain (see `Fragment.supersedes_id`) and not withdrawn. A draft is the one mutable thing an
expert writes: autosaved while they type, deleted when they submit.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from symphonia.db.models.base import JSON, AuditColumns, Base, CreatedAt


class FragmentWithdrawal(CreatedAt, Base):
    """A fragment its author took back while the round was open. APPEND-ONLY."""

    __tablename__ = "fragment_withdrawal"

    fragment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("fragment.id"), unique=True)
    participant_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("participant.id"))
    actor: Mapped[str] = mapped_column(sa.String(200))
    """Who withdrew it, as the audit log names them."""
    reason: Mapped[str | None] = mapped_column(sa.Text)


class FragmentDraft(AuditColumns, Base):
    """An expert's unsubmitted fragment, as last autosaved (any field may still be empty)."""

    __tablename__ = "fragment_draft"
    __table_args__ = (sa.UniqueConstraint("participant_id", "round_id", "draft_key"),)

    participant_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    draft_key: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
