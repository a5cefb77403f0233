"""A batch of invitations or reminders being sent: the count so far, live.

The page polls a small partial every second with htmx while the batch is sending (and
refreshes itself without JavaScript); once done it lists what was sent, what failed and why,
and what was never attempted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from symphonia.services.mailing_views import MailingView, mailing_view
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES
from symphonia.web.study_nav import StudyNav, study_nav


@dataclass(frozen=True, slots=True)
class MailingPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    mailing: MailingView


class MailingController(Controller):
    path = "/studies/{slug:str}/mailings/{mailing_id:uuid}"
    include_in_schema = False
    dependencies = FACILITATOR_DEPENDENCIES

    async def _page(self, slug: str, mailing_id: uuid.UUID, me: Me, db: Db) -> MailingPage:
        m = await mailing_view(db, slug, mailing_id, actor=me)
        what = (
            "Invitations"
            if m.kind.value == "invitation"
            else f"Reminders for round {m.round_number}"
        )
        return MailingPage(what, nav_for(me), study_nav(me, m.study, "/panel"), m)

    @get("/")
    async def show(
        self, slug: FromPath[str], mailing_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> Template:
        return page("mailing.html", await self._page(slug, mailing_id, me, db))

    @get("/progress")
    async def progress(
        self, slug: FromPath[str], mailing_id: FromPath[uuid.UUID], me: Me, db: Db
    ) -> Template:
        return page("_mailing_progress.html", await self._page(slug, mailing_id, me, db))
