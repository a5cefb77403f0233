"""Running rounds: open and close them (each after a confirmation page saying what it will
do), and follow participation and attrition per round and per stakeholder group."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from symphonia.services.participation import Participation, participation
from symphonia.services.round_checks import RoundCheck, RoundStep, round_check
from symphonia.services.rounds import close_round, open_round
from symphonia.web.charts import BarChart, share_chart
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.study_nav import ROUND_PAGES, StudyNav, study_nav


@dataclass(frozen=True, slots=True)
class RoundStepPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    check: RoundCheck


@dataclass(frozen=True, slots=True)
class ParticipationPage:
    title: str
    nav: Nav
    study_nav: StudyNav
    seen: Participation
    rounds_chart: BarChart | None
    group_charts: tuple[BarChart | None, ...]
    """One per round (None for a round that has not opened)."""


def _charts(seen: Participation) -> tuple[BarChart | None, tuple[BarChart | None, ...]]:
    opened = [r for r in seen.rounds if r.round.status.value != "draft"]
    rounds_chart = None
    if opened:
        rounds_chart = share_chart(
            "took-part-by-round",
            "Panel members who took part, by round",
            ", ".join(
                f"Round {r.round.number}: {r.total.took_part} of {r.total.experts}" for r in opened
            ),
            [(f"Round {r.round.number}", r.total.took_part, r.total.experts) for r in opened],
        )
    per_round = tuple(
        share_chart(
            f"took-part-round-{r.round.number}",
            f"Round {r.round.number}: who took part, by stakeholder group",
            ", ".join(f"{g.label}: {g.took_part} of {g.experts}" for g in r.by_group),
            [(g.label, g.took_part, g.experts) for g in r.by_group],
        )
        if r.round.status.value != "draft" and r.by_group
        else None
        for r in seen.rounds
    )
    return rounds_chart, per_round


class RoundsAdminController(Controller):
    path = "/studies/{slug:str}"
    include_in_schema = False

    async def _confirm(self, db: Db, slug: str, number: int, step: RoundStep, me: Me) -> Template:
        check = await round_check(db, slug, number, step, actor=me)
        title = f"{step.value.capitalize()} round {number}"
        return page(
            "round_step.html",
            RoundStepPage(title, nav_for(me), study_nav(me, check.study, ROUND_PAGES), check),
        )

    @get("/rounds/{number:int}/open")
    async def confirm_open(
        self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> Template:
        return await self._confirm(db, slug, number, RoundStep.OPEN, me)

    @post("/rounds/{number:int}/open")
    async def open(self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db) -> Redirect:
        await open_round(db, slug, number, actor=me)
        return Redirect(f"/studies/{slug}")

    @get("/rounds/{number:int}/close")
    async def confirm_close(
        self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> Template:
        return await self._confirm(db, slug, number, RoundStep.CLOSE, me)

    @post("/rounds/{number:int}/close")
    async def close(self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db) -> Redirect:
        await close_round(db, slug, number, actor=me)
        return Redirect(f"/studies/{slug}/rounds/{number}/analysis")

    @get("/participation")
    async def participation(self, slug: FromPath[str], me: Me, db: Db) -> Template:
        seen = await participation(db, slug, actor=me)
        rounds_chart, group_charts = _charts(seen)
        context = ParticipationPage(
            "Participation",
            nav_for(me),
            study_nav(me, seen.study, "/participation"),
            seen,
            rounds_chart,
            group_charts,
        )
        return page("participation.html", context)
