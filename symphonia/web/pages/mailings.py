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

from symphonia.jobs.mailings import MailingView
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Me
from symphonia.web.facilitator_deps import FACILITATOR_DEPENDENCIES, MailingsDep
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

    def _page(self, slug: str, mailing_id: uuid.UUID, me: Me, mailings: MailingsDep) -> MailingPage:
        m = mailings.get(slug, mailing_id, actor=me)
        what = (
            "Invitations"
            if m.kind.value == "invitation"
            else f"Reminders for round {m.round_number}"
        )
        return MailingPage(what, nav_for(me), study_nav(me, m.study, "/panel"), m)

    @get("/", sync_to_thread=False)
    def show(
        self, slug: FromPath[str], mailing_id: FromPath[uuid.UUID], me: Me, mailings: MailingsDep
    ) -> Template:
        return page("mailing.html", self._page(slug, mailing_id, me, mailings))

    @get("/progress", sync_to_thread=False)
    def progress(
        self, slug: FromPath[str], mailing_id: FromPath[uuid.UUID], me: Me, mailings: MailingsDep
    ) -> Template:
        return page("_mailing_progress.html", self._page(slug, mailing_id, me, mailings))
