"""A signed-in person's studies, and one study's front page."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from symphonia.core.actors import Permission, StudyRole
from symphonia.services.overview import StudyOverview, StudySummary, list_studies, study_overview
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.study_nav import StudyNav, study_nav


@dataclass(frozen=True, slots=True)
class StudiesPage:
    title: str
    nav: Nav
    studies: tuple[StudySummary, ...]


@dataclass(frozen=True, slots=True)
class StudyPage:
    title: str
    nav: Nav
    overview: StudyOverview
    may_manage: bool
    may_contribute: bool
    sees_participation: bool
    study_nav: StudyNav
    sees_drafts: bool = False


def roles_text(roles: frozenset[StudyRole]) -> str:
    return ", ".join(sorted(r.value for r in roles)) or "operator"


class StudiesController(Controller):
    path = "/studies"
    include_in_schema = False

    @get("/")
    async def studies(self, me: Me, db: Db) -> Template:
        found = await list_studies(db, actor=me)
        return page("studies.html", StudiesPage("Your studies", nav_for(me, "/studies"), found))

    @get("/{slug:str}")
    async def study(self, slug: FromPath[str], me: Me, db: Db) -> Template:
        overview = await study_overview(db, slug, actor=me)
        study_id = overview.study.id
        context = StudyPage(
            title=overview.study.title,
            nav=nav_for(me),
            overview=overview,
            may_manage=me.can(study_id, Permission.RUN_ROUNDS),
            may_contribute=me.can(study_id, Permission.CONTRIBUTE),
            sees_participation=me.can(study_id, Permission.VIEW_PARTICIPATION),
            study_nav=study_nav(me, overview.study),
            sees_drafts=me.can(study_id, Permission.VIEW_DRAFTS),
        )
        return page("study.html", context)
