"""Analysis runs and what they find: themes, their members, and singular views."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from symphonia.core.themes import ThemeStatus
from symphonia.db.enums import RunStatus
from symphonia.db.models.base import JSON, AuditColumns, Base, enum_type

if TYPE_CHECKING:
    from symphonia.db.models.rounds import Fragment, Round


class AnalysisRun(AuditColumns, Base):
    """One execution of the pipeline over a round's fragments, and the job that runs it.

    A request writes the row as `pending` with its `options` (drafter name...); a worker
    claims it (`running`, `worker`, `attempts` + 1, `started_at`), writes `progress` and
    `heartbeat_at` while it works, and stores the result in one transaction (`succeeded`),
    or the reason it could not (`failed`, `error`). A run left `running` whose heartbeat went
    stale (its worker was killed) goes back to `pending` and runs again.

    `input_hash` identifies the exact input (fragments, ratings, params), so a re-run on
    unchanged input can be recognised; `params` and `timings` are the interchange `run`;
    `embedding_model` and `input_hash` are known once the run has worked.
    """

    __tablename__ = "analysis_run"
    __table_args__ = (sa.Index(None, "status", "created_at"),)

    round_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("round.id", ondelete="CASCADE"), index=True
    )
    embedding_model: Mapped[str | None] = mapped_column(sa.String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    input_hash: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "run_status"), default=RunStatus.PENDING
    )
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.Text)
    finished_at: Mapped[datetime.datetime | None]
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """What was asked for, serialisable (`symphonia.services.analysis.AnalysisOptions`)."""
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The latest step, done and total the pipeline reported."""
    requested_by: Mapped[str | None] = mapped_column(sa.String(200))
    """Who asked for the run, as the audit log names them."""
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("account.id"))
    started_at: Mapped[datetime.datetime | None]
    heartbeat_at: Mapped[datetime.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    """How many times a worker has claimed the run (its fencing token: a worker stores its
    result only while the run still carries the attempt it claimed)."""
    worker: Mapped[str | None] = mapped_column(sa.String(200))

    round: Mapped[Round] = relationship()
    themes: Mapped[list[Theme]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="Theme.position"
    )
    singular_views: Mapped[list[SingularView]] = relationship(
        back_populates="run", cascade="all, delete-orphan"
    )


class Theme(AuditColumns, Base):
    """A cluster of fragments with its description and its consensus/contested/gap call.

    `key` is the interchange theme `id`, unique within the run; `positions` maps each side of
    a contested theme to fragment interchange ids.
    """

    __tablename__ = "theme"
    __table_args__ = (sa.UniqueConstraint("run_id", "key"),)

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("analysis_run.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    label: Mapped[str] = mapped_column(sa.String(300))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[ThemeStatus] = mapped_column(enum_type(ThemeStatus, "theme_status"))
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    positions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    """Display order within the run."""

    run: Mapped[AnalysisRun] = relationship(back_populates="themes")
    members: Mapped[list[ThemeMember]] = relationship(
        back_populates="theme", cascade="all, delete-orphan"
    )


class ThemeMember(Base):
    """A fragment's membership of a theme; `representative` marks the ones shown first."""

    __tablename__ = "theme_member"
    __table_args__ = (sa.UniqueConstraint("theme_id", "fragment_id"),)

    theme_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("theme.id", ondelete="CASCADE"))
    fragment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("fragment.id"), index=True)
    representative: Mapped[bool] = mapped_column(default=False)

    theme: Mapped[Theme] = relationship(back_populates="members")
    fragment: Mapped[Fragment] = relationship()


class SingularView(Base):
    """A fragment that belongs to no theme: kept, shown and carried into the synthesis."""

    __tablename__ = "singular_view"
    __table_args__ = (sa.UniqueConstraint("run_id", "fragment_id"),)

    run_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("analysis_run.id", ondelete="CASCADE"))
    fragment_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("fragment.id"), index=True)

    run: Mapped[AnalysisRun] = relationship(back_populates="singular_views")
    fragment: Mapped[Fragment] = relationship()
