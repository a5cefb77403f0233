"""Report exports as jobs (:mod:`symphonia.services.report_exports`): on the SAQ queue with
SYMPHONIA_QUEUE=saq (key ``export:<id>``), else as a task of the web process."""

from __future__ import annotations

import asyncio
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.db.enums import RunStatus
from symphonia.interchange.files import write_atomically
from symphonia.jobs.background import HandOver
from symphonia.reports.formats import FORMATS
from symphonia.services.report_exports import (
    ExportView,
    claim_export,
    export_document,
    export_path,
    export_view,
    finish_export,
    request_export,
    unfinished_exports,
)

logger = logging.getLogger(__name__)


class ExportJobs:
    """The job body: render the export into the data dir; safe to run again."""

    def __init__(self, container: Container) -> None:
        self.container = container

    async def run(self, export_id: uuid.UUID, *, last_attempt: bool = True) -> RunStatus | None:
        """Render and store; an error is recorded on the `last_attempt` and raised for a
        retry before it. The new status (None: finished already, or taken over)."""
        async with self.container.session() as session:
            claim = await claim_export(session, export_id)
            if claim is None:
                return None
            try:
                document = await export_document(session, claim)
                data = await asyncio.to_thread(FORMATS[claim.view.format].render, document)
                path = export_path(self.container.settings.data_dir, claim.view)
                await asyncio.to_thread(write_atomically, path, data)
            except Exception as exc:
                logger.exception("export %s failed", export_id)
                if not last_attempt:
                    raise
                await finish_export(session, claim, error=f"{type(exc).__name__}: {exc}")
                return RunStatus.FAILED
            if not await finish_export(session, claim, size=len(data)):
                return None
        return RunStatus.SUCCEEDED


class ReportExports(HandOver):
    """The web app's side: record an export and hand it over (:class:`HandOver`: a SAQ job
    keyed ``export:<id>`` for any worker, or a task here)."""

    kind = "exports"

    async def start(
        self, session: AsyncSession, slug: str, number: int, version: int, fmt: str, *, actor: Actor
    ) -> ExportView:
        view = await request_export(session, slug, number, version, fmt, actor=actor)
        self.hand_over(view.id)
        return await export_view(session, slug, view.id, actor=actor)

    async def run_here(self, job_id: uuid.UUID) -> RunStatus | None:
        return await ExportJobs(self.container).run(job_id)

    async def unfinished(self, session: AsyncSession) -> list[uuid.UUID]:
        return await unfinished_exports(session)
