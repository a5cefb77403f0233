"""Report exports as jobs: a request records what to render, a runner renders it into the
data dir, and who asked downloads the file when it is done.

Rendering a PDF or a DOCX of a large round takes seconds of CPU: no place for a request.
The request is checked as reading the report is (:func:`request_export` builds the
document, so a draft is exportable exactly by who may read it); the runner builds it again
in the requester's name as they are *now*, renders it in a thread and writes the file under
a name taken from the row (so a job run twice writes one file). `attempts` fences the
outcome: only the attempt that claimed the export records it.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Problem
from symphonia.db.audit import record_event
from symphonia.db.enums import RunStatus
from symphonia.db.models import ReportExport, Study
from symphonia.services.errors import Conflict, NotFound, RejectedInput
from symphonia.services.exports import ReportDocument, build_report
from symphonia.services.permissions import study_for
from symphonia.services.principals import actor_on_record
from symphonia.services.reporting.formats import FORMAT_SPECS as FORMATS
from symphonia.services.tx import transaction

EXPORT_DIR = "exports"
"""Under the data dir: one file per finished export."""


@dataclass(frozen=True, slots=True)
class ExportView:
    id: uuid.UUID
    study_slug: str
    round_number: int
    version_number: int
    format: str
    status: RunStatus
    error: str | None
    size: int | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None

    @property
    def done(self) -> bool:
        return self.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)

    @property
    def label(self) -> str:
        return FORMATS[self.format].label

    @property
    def filename(self) -> str:
        suffix = FORMATS[self.format].suffix
        return f"{self.study_slug}-round-{self.round_number}-v{self.version_number}{suffix}"

    @classmethod
    def of(cls, row: ReportExport, slug: str) -> ExportView:
        return cls(
            row.id,
            slug,
            row.round_number,
            row.version_number,
            row.format,
            row.status,
            row.error,
            row.size,
            row.created_at,
            row.finished_at,
        )


@dataclass(frozen=True, slots=True)
class ExportClaim:
    id: uuid.UUID
    attempt: int
    view: ExportView
    actor: Actor


async def request_export(
    session: AsyncSession, slug: str, number: int, version: int, fmt: str, *, actor: Actor
) -> ExportView:
    """Record an export of version `version` of round `number`'s report in format `fmt`,
    for a runner to render; refused as reading that report would be."""
    if fmt not in FORMATS:
        raise RejectedInput(
            "the export was not started",
            [Problem("export", "format", f"no export format {fmt!r}; one of {', '.join(FORMATS)}")],
        )
    await build_report(session, slug, number, version, actor=actor)
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.VIEW_STUDY)
        row = ReportExport(
            study_id=study.id,
            round_number=number,
            version_number=version,
            format=fmt,
            requested_by=actor.label,
            requested_by_kind=actor.kind.value,
            requested_by_id=actor.id,
        )
        session.add(row)
        await session.flush()
        record_event(
            session,
            actor,
            "report_export.requested",
            "report_export",
            row.id,
            study.id,
            {"round": number, "version": version, "format": fmt},
        )
        return ExportView.of(row, slug)


async def export_view(
    session: AsyncSession, slug: str, export_id: uuid.UUID, *, actor: Actor
) -> ExportView:
    """An export of the study, for who asked for it (or the operator); anyone else, or
    another study's export, finds nothing."""
    async with transaction(session, write=False):
        found = (
            await session.execute(
                sa.select(ReportExport)
                .join(Study, Study.id == ReportExport.study_id)
                .where(ReportExport.id == export_id, Study.slug == slug)
            )
        ).scalar_one_or_none()
        if (
            found is None
            or not actor.sees(found.study_id)
            or not (actor.unrestricted or found.requested_by_id == actor.id)
        ):
            raise NotFound(f"no export {export_id} in study {slug!r}", code="unknown_export")
        return ExportView.of(found, slug)


async def export_file(
    session: AsyncSession, slug: str, export_id: uuid.UUID, data_dir: Path, *, actor: Actor
) -> tuple[ExportView, Path]:
    """The finished export's file; refused while it is not ready (or if it failed)."""
    view = await export_view(session, slug, export_id, actor=actor)
    if view.status is not RunStatus.SUCCEEDED:
        raise Conflict(
            f"the export is {view.status.value}: there is no file yet",
            code="export_not_ready",
            context={"status": view.status.value},
        )
    return view, export_path(data_dir, view)


def export_path(data_dir: Path, view: ExportView) -> Path:
    """Where the runner writes the file of `view` (named by the export)."""
    return data_dir / relative_path(view)


def relative_path(view: ExportView) -> str:
    suffix = FORMATS[view.format].suffix
    return f"{EXPORT_DIR}/{view.id}{suffix}"


async def unfinished_exports(session: AsyncSession) -> list[uuid.UUID]:
    """Exports pending, or running when their runner stopped: what a runner picks up."""
    async with transaction(session, write=False):
        rows = await session.scalars(
            sa.select(ReportExport.id)
            .where(ReportExport.status.in_((RunStatus.PENDING, RunStatus.RUNNING)))
            .order_by(ReportExport.created_at)
        )
        return list(rows)


async def claim_export(session: AsyncSession, export_id: uuid.UUID) -> ExportClaim | None:
    """Take the export for this attempt; None when it is finished already."""
    async with transaction(session):
        row = await session.get(ReportExport, export_id, with_for_update=True)
        if row is None or row.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            return None
        row.status = RunStatus.RUNNING
        row.attempts += 1
        slug = await session.scalar(sa.select(Study.slug).where(Study.id == row.study_id))
        actor = await actor_on_record(
            session, row.requested_by_kind, row.requested_by_id, row.requested_by
        )
        return ExportClaim(row.id, row.attempts, ExportView.of(row, str(slug)), actor)


async def export_document(session: AsyncSession, claim: ExportClaim) -> ReportDocument:
    v = claim.view
    return await build_report(
        session, v.study_slug, v.round_number, v.version_number, actor=claim.actor
    )


async def finish_export(
    session: AsyncSession,
    claim: ExportClaim,
    *,
    size: int | None = None,
    error: str | None = None,
) -> bool:
    """Record the claimed attempt's outcome (a file of `size` bytes, or the `error`);
    False when a later attempt has claimed the export since."""
    async with transaction(session):
        done = await session.execute(
            sa.update(ReportExport)
            .where(
                ReportExport.id == claim.id,
                ReportExport.attempts == claim.attempt,
                ReportExport.status == RunStatus.RUNNING,
            )
            .values(
                status=RunStatus.FAILED if error else RunStatus.SUCCEEDED,
                error=error,
                size=size,
                path=None if error else relative_path(claim.view),
                finished_at=datetime.datetime.now(datetime.UTC),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0) != 1:
            return False
        study_id = await session.scalar(
            sa.select(ReportExport.study_id).where(ReportExport.id == claim.id)
        )
        record_event(
            session,
            claim.actor,
            "report_export.failed" if error else "report_export.finished",
            "report_export",
            claim.id,
            study_id,
            {"error": error} if error else {"bytes": size},
        )
        return True
