"""The facilitators' API for rounds: open and close them, request an analysis and follow
its run."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from symphonia.core.errors import Problem, RejectedInput
from symphonia.services.analysis import AnalysisOptions, request_analysis_once
from symphonia.services.rounds import close_round, open_round
from symphonia.services.run_views import get_run
from symphonia.web.api_facilitator.models import AnalysisIn, RoundStateOut, RunOut
from symphonia.web.api_facilitator.studies import INPUT_REFUSALS, REFUSALS
from symphonia.web.deps import Db, Me, Services
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES, WorkerDep
from symphonia.web.pages.analysis import drafter_choices


class RoundsApi(Controller):
    path = "/api/v1/studies/{study:str}"
    tags = ["Facilitators"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    dependencies = FACILITATOR_DEPENDENCIES

    @post(
        "/rounds/{number:int}/open",
        summary="Open a round",
        description="A draft round, once every earlier round has closed; opening round 1 "
        "locks the protocol.",
        status_code=HTTP_200_OK,
        responses=INPUT_REFUSALS,
    )
    async def open(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> RoundStateOut:
        return RoundStateOut.of(await open_round(db, study, number, actor=me))

    @post(
        "/rounds/{number:int}/close",
        summary="Close a round",
        description="Nothing more can be submitted to it; it can then be analysed.",
        status_code=HTTP_200_OK,
        responses=INPUT_REFUSALS,
    )
    async def close(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> RoundStateOut:
        return RoundStateOut.of(await close_round(db, study, number, actor=me))

    @post(
        "/rounds/{number:int}/analysis",
        summary="Request an analysis of a closed round",
        description="202 with the new run (pending; the server's worker runs it), or 200 with "
        "the run already pending or running for the round: one at a time. Poll its `url`.",
        status_code=HTTP_202_ACCEPTED,
        responses={200: ResponseSpec(RunOut, description="A run was under way."), **INPUT_REFUSALS},
    )
    async def analyse(
        self,
        study: FromPath[str],
        number: FromPath[int],
        data: JSONBody[AnalysisIn],
        me: Me,
        db: Db,
        container: Services,
        worker: WorkerDep,
    ) -> Response[RunOut]:
        available = {name for name, _, _, ok in drafter_choices(container.settings) if ok}
        if data.drafter not in available:
            reason = f"{data.drafter!r} is not available: no LLM endpoint is configured"
            raise RejectedInput(
                "the analysis was not requested", [Problem("body", "drafter", reason)]
            )
        run_id, new = await request_analysis_once(
            db, study, number, AnalysisOptions(data.drafter), actor=me
        )
        if new and worker is not None:
            worker.wake()
        run = RunOut.of(await get_run(db, run_id, actor=me, slug=study))
        status = HTTP_202_ACCEPTED if new else HTTP_200_OK
        return Response(run, status_code=status, headers={"location": run.url})

    @get("/runs/{run_id:uuid}", summary="Follow an analysis run", responses=REFUSALS)
    async def run(
        self, study: FromPath[str], run_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> RunOut:
        """Its status and progress; once it succeeded, the version it stored and what it
        found; once it failed, the reason."""
        return RunOut.of(await get_run(db, run_id, actor=me, slug=study))
