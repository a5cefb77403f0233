"""The facilitators' API for the panel: read it, import a list, send invitations and
reminders (in the background: the answer is the batch, to poll), revoke a link."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from symphonia.core.errors import Problem, RejectedInput
from symphonia.interchange.panel import parse_panel, parse_panel_rows
from symphonia.services.invitations import (
    MailPlan,
    plan_invitations,
    plan_reminders,
    revoke_invitation,
)
from symphonia.services.mailing_views import mailing_view
from symphonia.services.panel import import_panel
from symphonia.services.panel_view import panel_view
from symphonia.services.participation import participation
from symphonia.web.api_facilitator.panel_models import (
    InvitationsIn,
    MailingOut,
    PanelImportOut,
    PanelIn,
    PanelOut,
    ParticipationOut,
)
from symphonia.web.api_facilitator.studies import INPUT_REFUSALS, REFUSALS
from symphonia.web.deps import Db, Me
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES, MailingsDep


async def _sent(db: Db, plan: MailPlan, mailings: MailingsDep, me: Me) -> Response[MailingOut]:
    started = MailingOut.of(await mailings.start(db, plan, actor=me))
    return Response(started, status_code=HTTP_202_ACCEPTED, headers={"location": started.url})


class PanelApi(Controller):
    path = "/api/v1/studies/{study:str}"
    tags = ["Facilitators"]  # noqa: RUF012  (Litestar reads it as a class attribute)
    dependencies = FACILITATOR_DEPENDENCIES

    @get("/panel", summary="Read the panel", responses=REFUSALS)
    async def panel(self, study: FromPath[str], me: Me, db: Db) -> PanelOut:
        """The experts with their address and invitation state, and the study's staff."""
        return PanelOut.of(await panel_view(db, study, actor=me))

    @post(
        "/panel",
        summary="Import a panel list",
        description="Adds and updates panellists (by pseudonym) and gives staff rows their "
        "role; removes nobody. All or nothing.",
        status_code=200,
        responses=INPUT_REFUSALS,
    )
    async def import_list(
        self, study: FromPath[str], data: JSONBody[PanelIn], me: Me, db: Db
    ) -> PanelImportOut:
        if (data.csv is None) == (data.rows is None):
            reason = "send the list as `csv` or as `rows` (one of them)"
            raise RejectedInput("the panel list was not imported", [Problem("body", "csv", reason)])
        if data.csv is not None:
            read = parse_panel(data.csv, file="csv")
        else:
            rows = [{k: getattr(r, k) for k in r.__struct_fields__} for r in data.rows or []]
            read = parse_panel_rows(rows, file="rows")
        done = await import_panel(db, study, read.unwrap(), source=read.file, actor=me)
        return PanelImportOut.of(done)

    @post(
        "/invitations",
        summary="Send invitations",
        description="Starts sending in the background and answers 202 with the batch; poll "
        "its `url` for the count sent and any failure.",
        status_code=HTTP_202_ACCEPTED,
        responses=INPUT_REFUSALS,
    )
    async def invite(
        self,
        study: FromPath[str],
        data: JSONBody[InvitationsIn],
        me: Me,
        db: Db,
        mailings: MailingsDep,
    ) -> Response[MailingOut]:
        plan = await plan_invitations(db, study, pseudonyms=data.pseudonyms, actor=me)
        return await _sent(db, plan, mailings, me)

    @post(
        "/rounds/{number:int}/reminders",
        summary="Send reminders for an open round",
        description="To every invited expert who has not taken part in it yet (202, a batch).",
        status_code=HTTP_202_ACCEPTED,
        responses=INPUT_REFUSALS,
    )
    async def remind(
        self, study: FromPath[str], number: FromPath[int], me: Me, db: Db, mailings: MailingsDep
    ) -> Response[MailingOut]:
        plan = await plan_reminders(db, study, number, actor=me)
        return await _sent(db, plan, mailings, me)

    @get("/mailings/{mailing_id:uuid}", summary="Follow a batch of emails", responses=REFUSALS)
    async def mailing(
        self, study: FromPath[str], mailing_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> MailingOut:
        """Its progress as stored: the same from every web process."""
        return MailingOut.of(await mailing_view(db, study, mailing_id, actor=me))

    @post(
        "/links/{link_id:uuid}/revoke",
        summary="Revoke a panellist's link",
        status_code=200,
        responses=REFUSALS,
    )
    async def revoke(
        self, study: FromPath[str], link_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> dict[str, str]:
        """The link stops signing anyone in at once."""
        return {
            "revoked": str(link_id),
            "pseudonym": await revoke_invitation(db, study, link_id, actor=me),
        }

    @get("/participation", summary="Participation and attrition", responses=REFUSALS)
    async def participation(self, study: FromPath[str], me: Me, db: Db) -> ParticipationOut:
        """Per round and per stakeholder group: invited, signed in, took part, dropped."""
        return ParticipationOut.of(await participation(db, study, actor=me))
