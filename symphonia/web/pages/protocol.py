"""A study's protocol: a form for the facilitator until round 1 opens, then a locked record
that everyone in the study may read (it is printed in every report anyway)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from symphonia.core.errors import RejectedInput
from symphonia.services.protocol import (
    ProtocolView,
    editable_protocol,
    protocol_view,
    set_protocol,
)
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.forms import FormBody, FormState
from symphonia.web.protocol_form import errors_for, form_values, read_protocol_form
from symphonia.web.study_nav import StudyNav, study_nav


@dataclass(frozen=True, slots=True)
class ProtocolPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    protocol: ProtocolView
    form: FormState
    saved: bool = False


def _page(me: Me, view: ProtocolView, form: FormState, *, saved: bool = False) -> ProtocolPage:
    return ProtocolPage(
        "Protocol", nav_for(me), study_nav(me, view.study, "/protocol"), view, form, saved
    )


class ProtocolController(Controller):
    path = "/studies/{slug:str}/protocol"
    include_in_schema = False

    @get("/")
    async def show(
        self,
        slug: FromPath[str],
        me: Me,
        db: Db,
        saved: Annotated[bool, QueryParameter(name="saved")] = False,
    ) -> Template:
        view = await protocol_view(db, slug, actor=me)
        return page("protocol.html", _page(me, view, form_values(view.protocol), saved=saved))

    @post("/")
    async def save(
        self, slug: FromPath[str], data: FormBody, me: Me, db: Db
    ) -> Template | Redirect:
        view = await editable_protocol(db, slug, actor=me)
        form, protocol = read_protocol_form(data)
        if protocol is not None:
            try:
                await set_protocol(db, slug, protocol, actor=me)
            except RejectedInput as refused:
                form = form.with_errors(errors_for(refused))
            else:
                return Redirect(f"/studies/{slug}/protocol?saved=true")
        return page("protocol.html", _page(me, view, form), status_code=400)
