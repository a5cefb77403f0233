"""An expert's rating round (issue 10 §4, issue 13 §2): every item on the study's scale with
"cannot judge" and an optional comment, or for a prioritisation study the items × criteria
matrix; and from the second rating round on the panel's answers of the previous round.

Without JavaScript the whole form posts and redirects ("Save my ratings"). With htmx each
item saves itself when it changes (the item's own endpoint reads only that item's fields)
and says "Saved at 14:02 UTC" beside it. After the round closes the page shows the answers
read-only, and the services refuse any change. All the rules are the services'.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.errors import Conflict, RejectedInput
from symphonia.services.priority_scores import submit_priority_sheet
from symphonia.services.priority_sheet import PrioritySheet, priority_sheet
from symphonia.services.rating_entry import save_ratings
from symphonia.services.rating_sheet import RatingSheet, rating_sheet
from symphonia.web import limits
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.forms import FormBody, FormState
from symphonia.web.pages.contribute import clock_time, is_htmx
from symphonia.web.rating_form import (
    charts_for_matrix,
    charts_for_sheet,
    matrix_entries,
    matrix_values,
    sheet_entries,
    sheet_values,
    with_problems,
)


def base_path(slug: str, number: int) -> str:
    return f"/studies/{slug}/rounds/{number}/rate"


@dataclass(frozen=True, slots=True)
class RatePage:
    """Either sheet: `sheet` (statements) or `matrix` (a prioritisation study)."""

    title: str
    nav: Nav
    base: str
    sheet: RatingSheet | None
    matrix: PrioritySheet | None
    form: FormState
    charts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    notice: str | None = None
    refused: str | None = None

    @property
    def failed(self) -> bool:
        return self.form.failed or self.refused is not None

    @property
    def open(self) -> bool:
        found = self.sheet or self.matrix
        return found is not None and found.open


@dataclass(frozen=True, slots=True)
class SavedStatus:
    """The few words htmx swaps in beside an item after saving it."""

    saved_at: str | None
    problem: str | None = None
    nav: None = None


async def _sheet(
    db: AsyncSession, me: Actor, slug: str, number: int
) -> RatingSheet | PrioritySheet:
    """The expert's sheet: the statements' sheet, or the matrix of a prioritisation study."""
    try:
        return await rating_sheet(db, slug, number, actor=me)
    except Conflict as refused:
        if refused.code != "prioritisation_round":
            raise
    return await priority_sheet(db, slug, number, actor=me)


async def _page(
    db: AsyncSession, me: Actor, slug: str, number: int, values: Mapping[str, str] | None = None
) -> RatePage:
    found = await _sheet(db, me, slug, number)
    base = base_path(slug, number)
    title = f"Round {number}: rate the statements"
    if isinstance(found, RatingSheet):
        form = FormState(MappingProxyType(dict(values or sheet_values(found))))
        charts = charts_for_sheet(found)
        return RatePage(title, nav_for(me), base, found, None, form, charts)
    title = f"Round {number}: score the candidate items"
    form = FormState(MappingProxyType(dict(values or matrix_values(found))))
    return RatePage(title, nav_for(me), base, None, found, form, charts_for_matrix(found))


async def _store(
    db: AsyncSession, me: Actor, slug: str, number: int, data: Mapping[str, Any], only: str | None
) -> tuple[int, FormState]:
    """Parse and store what was sent (`only`: one item's fields); returns how many answers
    were stored, and the form as sent with any errors found before storing."""
    found = await _sheet(db, me, slug, number)
    if isinstance(found, RatingSheet):
        form, entries = sheet_entries(found, data, only)
        if not form.failed:
            return await save_ratings(db, slug, number, entries, actor=me), form
    else:
        form, cells = matrix_entries(found, data, only)
        if not form.failed:
            return await submit_priority_sheet(db, slug, number, cells, actor=me), form
    return 0, form


class RateController(Controller):
    path = "/studies/{slug:str}/rounds/{number:int}/rate"
    include_in_schema = False

    @get("/")
    async def rate_page(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        me: Me,
        db: Db,
        done: Annotated[int | None, QueryParameter(name="saved", ge=0)] = None,
    ) -> Template:
        context = await _page(db, me, slug, number)
        if done is not None:
            plural = "s" if done != 1 else ""
            context = _with(context, notice=f"{done} answer{plural} saved")
        return page("rate.html", context)

    @post("/", middleware=[limits.SUBMIT.middleware])
    async def save_all(
        self, slug: FromPath[str], number: FromPath[int], data: FormBody, me: Me, db: Db
    ) -> Template | Redirect:
        return await _save_all(db, me, slug, number, data)

    @post("/items/{item:str}", middleware=[limits.SUBMIT.middleware])
    async def save_item(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        number: FromPath[int],
        item: FromPath[str],
        data: FormBody,
        me: Me,
        db: Db,
    ) -> Template | Redirect:
        """One item's answers (htmx autosave); without htmx, the same as saving all."""
        if not is_htmx(request):
            return await _save_all(db, me, slug, number, data)
        try:
            stored, form = await _store(db, me, slug, number, data, item)
        except (RejectedInput, Conflict) as refused:  # who may not rate is told by status
            words = refused.summary if isinstance(refused, RejectedInput) else str(refused)
            if isinstance(refused, RejectedInput) and refused.problems:
                words = "; ".join(p.reason for p in refused.problems)
            return page("_rating_status.html", SavedStatus(None, f"Not saved: {words}"))
        if form.failed:
            words = "; ".join(form.errors.values())
            return page("_rating_status.html", SavedStatus(None, f"Not saved: {words}"))
        if not stored:
            return page("_rating_status.html", SavedStatus(None))
        now = clock_time(datetime.datetime.now(datetime.UTC))
        return page("_rating_status.html", SavedStatus(now))


def _sent(data: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields as sent, so a refused form shows what the expert chose."""
    return {k: str(v[-1] if isinstance(v, list) and v else v) for k, v in data.items()}


def _with(context: RatePage, **changes: Any) -> RatePage:
    return replace(context, **changes)


async def _save_all(
    db: AsyncSession, me: Actor, slug: str, number: int, data: Mapping[str, Any]
) -> Template | Redirect:
    """Store the whole form; the same page with every problem beside its item (422), or the
    refusal in words (409, e.g. the round closed), or back to the page (303)."""
    try:
        stored, form = await _store(db, me, slug, number, data, None)
    except RejectedInput as refused:
        context = await _page(db, me, slug, number, _sent(data))
        context = _with(context, form=with_problems(context.form, refused))
        return page("rate.html", context, status_code=422)
    except Conflict as refused:
        context = await _page(db, me, slug, number, _sent(data))
        return page("rate.html", _with(context, refused=str(refused)), status_code=409)
    if form.failed:
        context = await _page(db, me, slug, number, _sent(data))
        return page("rate.html", _with(context, form=form), status_code=422)
    return Redirect(f"{base_path(slug, number)}?saved={stored}", status_code=303)
