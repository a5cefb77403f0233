"""The facilitators' API for studies: create one, load one from a study folder, read and
change its protocol."""

from __future__ import annotations

from litestar import Controller, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from symphonia.services.overview import list_studies
from symphonia.services.protocol import protocol_view, set_protocol
from symphonia.services.study_setup import create_study, load_study_folder, study_folders
from symphonia.web.api_facilitator.models import (
    FolderList,
    FolderOut,
    LoadIn,
    ProtocolBody,
    ProtocolOut,
    Refused,
    StudyIn,
    StudyList,
    StudyOut,
)
from symphonia.web.deps import Db, Me, Services

REFUSALS = {
    401: ResponseSpec(Refused, description="No valid API token was sent."),
    403: ResponseSpec(Refused, description="The caller's role does not allow this."),
    404: ResponseSpec(Refused, description="No such study for the caller."),
}
INPUT_REFUSALS = {
    **REFUSALS,
    409: ResponseSpec(Refused, description="The study's state does not allow it now."),
    422: ResponseSpec(Refused, description="Refused input; `problems` lists every problem."),
}


class StudySetupApi(Controller):
    path = "/api/v1"
    tags = ["Facilitators"]  # noqa: RUF012  (Litestar reads it as a class attribute)

    @get(
        "/studies",
        summary="List my studies",
        description="Every study the caller holds a role in, with the caller's roles and the "
        "status of each round.",
        responses={401: REFUSALS[401]},
    )
    async def mine(self, me: Me, db: Db) -> StudyList:
        return StudyList.of(await list_studies(db, actor=me))

    @post(
        "/studies",
        summary="Create a study",
        description="A new study; the caller (who may create studies) becomes its facilitator.",
        status_code=HTTP_201_CREATED,
        responses=INPUT_REFUSALS,
    )
    async def create(self, data: JSONBody[StudyIn], me: Me, db: Db) -> Response[StudyOut]:
        made = await create_study(db, data.definition(), actor=me)
        location = f"/api/v1/studies/{made.study.slug}/protocol"
        return Response(
            StudyOut.of(made), status_code=HTTP_201_CREATED, headers={"location": location}
        )

    @get(
        "/study-folders",
        summary="List the study folders",
        description="The study folders of this installation that `POST /api/v1/studies/load` "
        "accepts, each with its study id and title, or why it cannot be loaded.",
        responses=REFUSALS,
    )
    async def folders(self, me: Me, container: Services) -> FolderList:
        found = study_folders(container.settings.rounds_dir, actor=me)
        return FolderList([FolderOut(f.name, f.study_id, f.title, f.problem) for f in found])

    @post(
        "/studies/load",
        summary="Load a study from its folder",
        description="Create the folder's study, or bring it up to date with the folder (201 "
        "when created, 200 otherwise). Round data files are not imported.",
        status_code=HTTP_200_OK,
        responses={201: ResponseSpec(StudyOut, description="Created."), **INPUT_REFUSALS},
    )
    async def load(
        self, data: JSONBody[LoadIn], me: Me, db: Db, container: Services
    ) -> Response[StudyOut]:
        loaded = await load_study_folder(db, container.settings.rounds_dir, data.folder, actor=me)
        status = HTTP_201_CREATED if loaded.created else HTTP_200_OK
        return Response(StudyOut.of(loaded), status_code=status)

    @get(
        "/studies/{study:str}/protocol",
        summary="Read a study's protocol",
        description="Everyone in the study may read it; `editable` says whether the caller "
        "may change it now (a facilitator, until round 1 opens).",
        responses=REFUSALS,
    )
    async def protocol(self, study: FromPath[str], me: Me, db: Db) -> ProtocolOut:
        return ProtocolOut.of(await protocol_view(db, study, actor=me))

    @put(
        "/studies/{study:str}/protocol",
        summary="Replace a study's protocol",
        description="Until round 1 opens (then 409). Every broken rule is listed (422).",
        responses=INPUT_REFUSALS,
    )
    async def set_protocol(
        self, study: FromPath[str], data: JSONBody[ProtocolBody], me: Me, db: Db
    ) -> ProtocolOut:
        return ProtocolOut.of(await set_protocol(db, study, data.protocol(), actor=me))
