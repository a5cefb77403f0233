"""Report exports as jobs: ask for a version's report in a format, follow it, download it.

The form on a run's page posts here; the export is rendered off the request (on the queue
or a task, :mod:`symphonia.jobs.report_exports`) while its page polls a small partial with
htmx (and refreshes itself without JavaScript); the file is downloadable once done, by who
asked for it only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import File, Redirect, Template

from symphonia.services.report_exports import ExportView, export_file, export_view
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me, Services
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES, ExportsDep
from symphonia.web.forms import FormBody, read_form


@dataclass(frozen=True, slots=True)
class ExportPage:
    title: str
    nav: Nav
    export: ExportView


class ExportController(Controller):
    path = "/studies/{slug:str}"
    include_in_schema = False
    dependencies = FACILITATOR_DEPENDENCIES

    @post("/rounds/{number:int}/versions/{version:int}/exports")
    async def start(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        version: FromPath[int],
        data: FormBody,
        me: Me,
        db: Db,
        exports: ExportsDep,
    ) -> Redirect:
        form = read_form(data, ("format",))
        started = await exports.start(db, slug, number, version, form.values["format"], actor=me)
        return Redirect(f"/studies/{slug}/exports/{started.id}")

    async def _page(self, slug: str, export_id: uuid.UUID, me: Me, db: Db) -> ExportPage:
        view = await export_view(db, slug, export_id, actor=me)
        title = f"Report of round {view.round_number}, version {view.version_number}: {view.label}"
        return ExportPage(title, nav_for(me), view)

    @get("/exports/{export_id:uuid}")
    async def show(
        self, slug: FromPath[str], export_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> Template:
        return page("export.html", await self._page(slug, export_id, me, db))

    @get("/exports/{export_id:uuid}/progress")
    async def progress(
        self, slug: FromPath[str], export_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> Template:
        return page("_export_progress.html", await self._page(slug, export_id, me, db))

    @get("/exports/{export_id:uuid}/file")
    async def download(
        self,
        slug: FromPath[str],
        export_id: FromPath[uuid.UUID],
        me: Me,
        db: Db,
        container: Services,
    ) -> File:
        view, path = await export_file(db, slug, export_id, container.settings.data_dir, actor=me)
        return File(path=path, filename=view.filename, content_disposition_type="attachment")
