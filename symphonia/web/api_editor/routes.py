"""The editors' API: the same actions as the workspace, with the same permission checks
(the services'); a stale change answers 409 with the current text, so nothing is lost."""

from __future__ import annotations

import asyncio

from litestar import Controller, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_409_CONFLICT

from symphonia.core.errors import Conflict
from symphonia.services.approving import approve_version
from symphonia.services.editing import amend
from symphonia.services.publishing import publish_version
from symphonia.services.workspace import workspace
from symphonia.web.api_editor.models import (
    AmendedOut,
    AmendmentIn,
    ApprovedOut,
    DraftOut,
    PublishedOut,
    StaleOut,
    VersionIn,
)
from symphonia.web.api_facilitator.studies import INPUT_REFUSALS, REFUSALS
from symphonia.web.deps import Db, Me, Services


class EditorApi(Controller):
    path = "/api/v1/studies/{study:str}/rounds/{number:int}/draft"
    tags = ["Editors"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get("", summary="A round's latest synthesis version with its evidence", responses=REFUSALS)
    async def draft(self, study: FromPath[str], number: FromPath[int], me: Me, db: Db) -> DraftOut:
        """Each statement with its revision, guard verdict and cited fragments; the dissent
        ledger; every amendment so far, newest first."""
        return DraftOut.of(await workspace(db, study, number, actor=me))

    @post(
        "/amendments",
        summary="Amend the draft",
        description="Makes the next version; the guard re-checks what the change wrote.",
        status_code=HTTP_201_CREATED,
        responses={**INPUT_REFUSALS, 409: ResponseSpec(StaleOut, description="Stale revision.")},
    )
    async def amend(
        self,
        study: FromPath[str],
        number: FromPath[int],
        data: JSONBody[AmendmentIn],
        me: Me,
        db: Db,
        container: Services,
    ) -> Response[AmendedOut | StaleOut]:
        embedder = await asyncio.to_thread(container.embedder)
        try:
            done = await amend(
                db,
                study,
                number,
                data.change(),
                data.reason,
                data.revisions,
                actor=me,
                embedder=embedder,
            )
        except Conflict as refused:
            if refused.code != "stale_statement":
                raise
            context = refused.context
            stale = StaleOut(
                HTTP_409_CONFLICT,
                str(refused),
                str(context["statement"]),
                int(context["current_revision"]),
                str(context["current_text"]),
            )
            return Response(stale, status_code=HTTP_409_CONFLICT)
        return Response(AmendedOut.of(done), status_code=HTTP_201_CREATED)

    @post(
        "/approve",
        summary="Approve the latest version",
        status_code=HTTP_200_OK,
        responses=INPUT_REFUSALS,
    )
    async def approve(
        self,
        study: FromPath[str],
        number: FromPath[int],
        data: JSONBody[VersionIn],
        me: Me,
        db: Db,
    ) -> ApprovedOut:
        """Refused (409) unless it is the latest version and every flag is answered."""
        at = await approve_version(db, study, number, data.version, actor=me)
        return ApprovedOut(data.version, at)

    @post(
        "/publish",
        summary="Publish an approved version",
        status_code=HTTP_200_OK,
        responses=INPUT_REFUSALS,
    )
    async def publish(
        self,
        study: FromPath[str],
        number: FromPath[int],
        data: JSONBody[VersionIn],
        me: Me,
        db: Db,
    ) -> PublishedOut:
        done = await publish_version(db, study, number, data.version, actor=me)
        return PublishedOut(done.version, done.published_at)
