"""The panel page: who is on the panel and where their invitation stands; importing a panel
list (uploaded or pasted); sending invitations and reminders; revoking a link.

Sending happens in the background (:mod:`symphonia.jobs.mailings`): the request plans the
batch and hands it over, then the browser follows the batch's own page, which counts the
messages as they go (htmx polling; a refreshing page without JavaScript).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from symphonia.core.errors import Problem, RejectedInput
from symphonia.interchange.panel import parse_panel
from symphonia.interchange.text import NotUtf8, decode_utf8
from symphonia.services.invitations import (
    MailPlan,
    plan_invitations,
    plan_reminders,
    revoke_invitation,
)
from symphonia.services.mailing_views import MailingView, recent_mailings
from symphonia.services.panel import PanelImport, import_panel
from symphonia.services.panel_view import InvitationState, PanelView, panel_view
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES, MailingsDep
from symphonia.web.forms import FormBody, FormState, read_form
from symphonia.web.study_nav import StudyNav, study_nav

MultipartBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
PASTE_FIELD = "panel_text"
FILE_FIELD = "panel_file"


@dataclass(frozen=True, slots=True)
class PanelPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    panel: PanelView
    form: FormState
    """The import form (its pasted text kept when refused)."""
    problems: tuple[Problem, ...] = ()
    """Every problem of a refused list, by line and field."""
    imported: PanelImport | None = None
    notice: str | None = None
    mailings: tuple[MailingView, ...] = ()
    states: type[InvitationState] = InvitationState


async def _panel_page(db: Db, slug: str, me: Me, mailings: MailingsDep, **shown: Any) -> PanelPage:
    view = await panel_view(db, slug, actor=me)
    return PanelPage(
        "Panel",
        nav_for(me),
        study_nav(me, view.study, "/panel"),
        view,
        shown.pop("form", FormState()),
        mailings=await recent_mailings(db, view.study),
        **shown,
    )


async def _list_text(data: dict[str, Any]) -> tuple[str, str, str | None]:
    """(text, where it came from, or why it cannot be read): an uploaded file wins over
    pasted text."""
    upload = data.get(FILE_FIELD)
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:120] or "upload"
        if raw:
            try:
                return decode_utf8(raw), name, None
            except NotUtf8 as exc:
                return "", name, str(exc)
    pasted = data.get(PASTE_FIELD)
    return (pasted if isinstance(pasted, str) else ""), "pasted list", None


def _chosen(data: dict[str, Any]) -> list[str]:
    value = data.get("pseudonym", [])
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if str(v).strip()]


class PanelController(Controller):
    path = "/studies/{slug:str}"
    include_in_schema = False
    dependencies = FACILITATOR_DEPENDENCIES

    @get("/panel")
    async def show(self, slug: FromPath[str], me: Me, db: Db, mailings: MailingsDep) -> Template:
        return page("panel.html", await _panel_page(db, slug, me, mailings))

    @post("/panel")
    async def import_list(
        self, slug: FromPath[str], data: MultipartBody, me: Me, db: Db, mailings: MailingsDep
    ) -> Template:
        await panel_view(db, slug, actor=me)  # refused first for anyone who may not manage it
        text, source, unreadable = await _list_text(data)
        pasted = data.get(PASTE_FIELD) if isinstance(data.get(PASTE_FIELD), str) else ""
        form = FormState(values={PASTE_FIELD: str(pasted)[:200_000]})
        problems: list[Problem] = []
        if unreadable:
            problems = [Problem(source, "(file)", unreadable)]
        elif not text.strip():
            problems = [Problem("", FILE_FIELD, "Choose a CSV file, or paste the list")]
        else:
            read = parse_panel(text, file=source)
            problems = [i.problem(read.file) for i in read.issues]
            if read.ok:
                try:
                    done = await import_panel(db, slug, read.records, source=source, actor=me)
                except RejectedInput as refused:
                    problems = list(refused.problems)
                else:
                    context = await _panel_page(db, slug, me, mailings, imported=done)
                    return page("panel.html", context)
        form = form.with_errors(
            {FILE_FIELD: f"The list was not imported: {len(problems)} problem(s)"}
        )
        context = await _panel_page(db, slug, me, mailings, form=form, problems=tuple(problems))
        return page("panel.html", context, status_code=400)

    @post("/invitations")
    async def invite(
        self, slug: FromPath[str], data: FormBody, me: Me, db: Db, mailings: MailingsDep
    ) -> Template | Redirect:
        form = read_form(data, ("scope", "resend"))
        if form.values["resend"]:
            names: list[str] | None = [form.values["resend"]]
        elif form.values["scope"] == "selected":
            names = _chosen(data)
        else:
            names = None
        if names == []:
            plan = None
            notice = "Select the panel members to invite first."
        else:
            plan = await plan_invitations(db, slug, pseudonyms=names, actor=me)
            notice = "Everyone with an email address has been invited already."
        return await self._start(db, slug, me, mailings, plan, notice)

    @post("/rounds/{number:int}/reminders")
    async def remind(
        self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db, mailings: MailingsDep
    ) -> Template | Redirect:
        plan = await plan_reminders(db, slug, number, actor=me)
        notice = f"Every invited panel member has taken part in round {number} already."
        return await self._start(db, slug, me, mailings, plan, notice)

    async def _start(
        self,
        db: Db,
        slug: str,
        me: Me,
        mailings: MailingsDep,
        plan: MailPlan | None,
        notice: str,
    ) -> Template | Redirect:
        if plan is None or not plan.recipients:
            if plan is not None and plan.skipped:
                notice += " Without an address: " + ", ".join(p for p, _ in plan.skipped) + "."
            context = await _panel_page(db, slug, me, mailings, notice=notice)
            return page("panel.html", context, status_code=400 if plan is None else 200)
        started = await mailings.start(db, plan, actor=me)
        return Redirect(f"/studies/{slug}/mailings/{started.id}")

    @post("/links/{link_id:uuid}/revoke")
    async def revoke(
        self,
        slug: FromPath[str],
        link_id: FromPath[uuid.UUID],
        me: Me,
        db: Db,
        mailings: MailingsDep,
    ) -> Template:
        pseudonym = await revoke_invitation(db, slug, link_id, actor=me)
        notice = f"{pseudonym}'s invitation link is revoked: it no longer signs anyone in."
        return page("panel.html", await _panel_page(db, slug, me, mailings, notice=notice))
