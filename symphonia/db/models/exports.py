"""Report exports made by a job: the file is rendered off the request and downloaded later."""

from __future__ import annotations

import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from symphonia.db.enums import RunStatus
from symphonia.db.models.base import AuditColumns, Base, enum_type


class ReportExport(AuditColumns, Base):
    """One requested export of a synthesis version's report in one format.

    `pending` until a runner claims it (`running`, `attempts` + 1), then `succeeded` with
    the file's `path` (relative to the data dir) or `failed` with the `error`. The file is
    named by the row, so rendering it again replaces it: a job run twice makes one file.
    Only who asked (`requested_by_*`) may download it: a draft's report stays with them.
    """

    __tablename__ = "report_export"
    __table_args__ = (sa.Index(None, "status", "created_at"),)

    study_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("study.id", ondelete="CASCADE"), index=True
    )
    round_number: Mapped[int]
    version_number: Mapped[int]
    format: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "export_status"), default=RunStatus.PENDING
    )
    path: Mapped[str | None] = mapped_column(sa.String(500))
    size: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_by: Mapped[str] = mapped_column(sa.String(200))
    requested_by_kind: Mapped[str] = mapped_column(sa.String(32))
    requested_by_id: Mapped[uuid.UUID | None]
    finished_at: Mapped[datetime.datetime | None]


__all__ = ["ReportExport"]
