"""Analysing a closed round: request the analysis and drafting, then watch it run.

A request writes a pending run (the service refuses a round that cannot be analysed, and
hands back the run already under way instead of queueing a second); the app's in-process
worker picks it up at once. The run's page shows its progress live: htmx polls a small
partial every second while the run is pending or running and stops when it has finished;
without JavaScript the page refreshes itself instead. A failed run shows its reason, a
finished one what it made.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from symphonia.core.errors import Conflict, RejectedInput
from symphonia.pipeline.llm import DEFAULT_DRAFTER, DRAFTERS
from symphonia.reports.formats import FORMATS
from symphonia.reports.markdown import render_markdown
from symphonia.services.analysis import AnalysisOptions, request_analysis_once
from symphonia.services.exports import build_report
from symphonia.services.overview import RoundDetail, round_view
from symphonia.services.run_views import RunView, get_run, list_runs
from symphonia.settings import Settings
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me, Services
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES, WorkerDep
from symphonia.web.forms import FormBody, FormState, read_form
from symphonia.web.study_nav import ROUND_PAGES, StudyNav, study_nav


def drafter_choices(settings: Settings) -> tuple[tuple[str, str, str, bool], ...]:
    """(name, label, hint, available) for each drafter."""
    llm = settings.llm
    described = {
        "extractive": (
            "Extractive (the panel's own words)",
            "Statements assembled from the contributions themselves, each citing them; "
            "works offline.",
            True,
        ),
        "llm": (
            "Large language model",
            f"Drafted by {llm.model}, every statement checked against its evidence."
            if llm.configured
            else "Not available: no LLM endpoint is configured on this server.",
            llm.configured,
        ),
    }
    return tuple((name, *described[name]) for name in DRAFTERS)


@dataclass(frozen=True, slots=True)
class AnalysisPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    detail: RoundDetail
    runs: tuple[RunView, ...]
    drafters: tuple[tuple[str, str, str, bool], ...]
    form: FormState

    @property
    def active(self) -> RunView | None:
        return next((r for r in self.runs if r.active), None)


EXPORT_CHOICES = tuple((f.name, f.label) for f in FORMATS.values())
"""(name, label) of every export format, for the form that asks for one."""


@dataclass(frozen=True, slots=True)
class RunPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    run: RunView
    export_formats: tuple[tuple[str, str], ...] = EXPORT_CHOICES


@dataclass(frozen=True, slots=True)
class RunPartial:
    run: RunView
    export_formats: tuple[tuple[str, str], ...] = EXPORT_CHOICES


class AnalysisController(Controller):
    path = "/studies/{slug:str}"
    include_in_schema = False
    dependencies = FACILITATOR_DEPENDENCIES

    async def _analysis_page(
        self, db: Db, slug: str, number: int, me: Me, settings: Settings, form: FormState
    ) -> AnalysisPage:
        runs = await list_runs(db, slug, number, actor=me)
        detail = await round_view(db, slug, number, actor=me)
        return AnalysisPage(
            f"Analyse round {number}",
            nav_for(me),
            study_nav(me, detail.study, ROUND_PAGES),
            detail,
            runs,
            drafter_choices(settings),
            form,
        )

    @get("/rounds/{number:int}/analysis")
    async def show(
        self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db, container: Services
    ) -> Template:
        form = FormState(values={"drafter": DEFAULT_DRAFTER})
        context = await self._analysis_page(db, slug, number, me, container.settings, form)
        return page("analysis.html", context)

    @post("/rounds/{number:int}/analysis")
    async def request(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        data: FormBody,
        me: Me,
        db: Db,
        container: Services,
        worker: WorkerDep,
    ) -> Template | Redirect:
        await list_runs(db, slug, number, actor=me)  # who may not run analyses is refused first
        form = read_form(data, ("drafter",))
        available = {name for name, _, _, ok in drafter_choices(container.settings) if ok}
        if form.values["drafter"] not in available:
            form = form.with_errors({"drafter": "Choose how the synthesis is drafted"})
        else:
            try:
                run_id, _new = await request_analysis_once(
                    db, slug, number, AnalysisOptions(form.values["drafter"]), actor=me
                )
            except (Conflict, RejectedInput) as refused:
                form = form.with_errors({"drafter": str(refused).splitlines()[0]})
            else:
                if worker is not None:
                    worker.wake()
                return Redirect(f"/studies/{slug}/runs/{run_id}")
        context = await self._analysis_page(db, slug, number, me, container.settings, form)
        return page("analysis.html", context, status_code=400)

    @get("/runs/{run_id:uuid}")
    async def run(
        self, slug: FromPath[str], run_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> Template:
        run = await get_run(db, run_id, actor=me, slug=slug)
        detail = await round_view(db, slug, run.round_number, actor=me)
        title = f"Analysis of round {run.round_number}"
        return page(
            "run.html", RunPage(title, nav_for(me), study_nav(me, detail.study, ROUND_PAGES), run)
        )

    @get("/runs/{run_id:uuid}/progress")
    async def progress(
        self, slug: FromPath[str], run_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> Template:
        run = await get_run(db, run_id, actor=me, slug=slug)
        return page("_run_progress.html", RunPartial(run))

    @get("/rounds/{number:int}/versions/{version:int}/report.md")
    async def report(
        self, slug: FromPath[str], number: FromPath[int], version: FromPath[int], me: Me, db: Db
    ) -> Response[str]:
        document = await build_report(db, slug, number, version, actor=me)
        return Response(
            render_markdown(document),
            media_type="text/markdown; charset=utf-8",
            headers={
                "content-disposition": f'inline; filename="{slug}-round-{number}-v{version}.md"'
            },
        )
