"""An expert's round: the question, the fragment form (autosaved as a draft), and their own
contributions, each editable and withdrawable until the round closes.

Every page works without JavaScript: the form posts and redirects, "Save draft" is a second
submit button posting to the drafts endpoint. With htmx, the form also saves itself a second
after the expert stops typing and shows "Draft saved at 14:02 UTC" in place. Drafts are kept
in the database, so they survive a closed browser. All the rules (who may contribute, to
which round, what a fragment must be) are the services'; this module parses and renders.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.errors import Conflict, RejectedInput, SymphoniaError
from symphonia.services.contributions import store_fragment
from symphonia.services.drafts import discard_draft, save_draft
from symphonia.services.expert_round import ExpertRound, expert_round
from symphonia.web import limits
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.forms import FormBody
from symphonia.web.pages.fragment_form import (
    FragmentChoices,
    FragmentFields,
    draft_content,
    fresh_fields,
    read_fragment_form,
    with_refusal,
)

NOTICES = {
    "submitted": "Your fragment {id} was submitted",
    "edited": "Your changes were saved as {id}",
    "withdrawn": "Your fragment {id} was withdrawn",
    "saved": "Your draft was saved",
    "discarded": "The draft was discarded",
}


def base_path(slug: str, number: int) -> str:
    return f"/studies/{slug}/rounds/{number}/contribute"


def clock_time(moment: datetime.datetime) -> str:
    """ "14:02 UTC": the server cannot know the reader's time zone, so it says which it uses."""
    return f"{moment.astimezone(datetime.UTC):%H:%M} UTC"


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


@dataclass(frozen=True, slots=True)
class ContributePage(FragmentChoices):
    title: str
    nav: Nav
    view: ExpertRound
    base: str
    fields: FragmentFields | None
    """The form (None when the round takes no fragments)."""
    closes_on: str | None = None
    """The scheduled closing date, while it is still ahead (the facilitator closes the
    round; a date already past says nothing useful)."""
    draft_saved_at: str | None = None
    notice: str | None = None
    refused: str | None = None
    """Why what the expert sent was not stored, when it is not a field's fault."""
    unsaved: Mapping[str, str] | None = None
    """What the expert typed that could not be stored, shown so it is not lost."""

    @property
    def failed(self) -> bool:
        return self.refused is not None or bool(self.fields and self.fields.form.failed)


@dataclass(frozen=True, slots=True)
class DraftStatus:
    """The few words htmx swaps in after an autosave."""

    saved_at: str | None
    problem: str | None = None
    nav: None = None


def _title(view: ExpertRound) -> str:
    return f"Round {view.round.number}: contribute evidence"


def _form_for(view: ExpertRound, draft: str | None) -> tuple[FragmentFields | None, str | None]:
    """The form to show: the draft asked for, else the latest draft (so an expert coming
    back finds what they typed), else an empty one; `draft=new` starts afresh."""
    if not view.accepting:
        return None, None
    chosen = next((d for d in view.drafts if d.key == draft), None)
    if chosen is None and draft != "new" and view.drafts:
        chosen = view.drafts[0]
    if chosen is None:
        return fresh_fields(), None
    return fresh_fields(chosen.content, chosen.key), clock_time(chosen.updated_at)


async def _again(
    db: AsyncSession, me: Actor, slug: str, number: int, **changes: Any
) -> ContributePage:
    """The round page as it stands now, with `changes` to its context."""
    view = await expert_round(db, slug, number, actor=me)
    closes = view.round.closes_at
    ahead = closes is not None and closes > datetime.datetime.now(datetime.UTC)
    context = ContributePage(
        _title(view),
        nav_for(me),
        view,
        base_path(slug, number),
        None,
        closes_on=f"{closes:%-d %B %Y}" if closes is not None and ahead else None,
    )
    return replace(context, **changes)


class ContributeController(Controller):
    path = "/studies/{slug:str}/rounds/{number:int}/contribute"
    include_in_schema = False

    @get("/")
    async def round_page(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        me: Me,
        db: Db,
        draft: Annotated[str | None, QueryParameter()] = None,
        done: Annotated[str | None, QueryParameter()] = None,
        fragment: Annotated[str | None, QueryParameter(name="id")] = None,
    ) -> Template:
        context = await _again(db, me, slug, number)
        fields, saved_at = _form_for(context.view, draft)
        notice = NOTICES.get(done or "")
        context = replace(
            context,
            fields=fields,
            draft_saved_at=saved_at,
            notice=notice.format(id=fragment or "") if notice else None,
        )
        return page("contribute.html", context)

    @post("/", middleware=[limits.SUBMIT.middleware])
    async def submit(
        self, slug: FromPath[str], number: FromPath[int], data: FormBody, me: Me, db: Db
    ) -> Template | Redirect:
        fields, fragment = read_fragment_form(data)
        try:
            if fields.form.failed:
                raise RejectedInput("the fragment was not stored", [])
            done = await store_fragment(
                db,
                slug,
                number,
                fragment,
                idempotency_key=fields.key,
                draft_key=fields.key,
                actor=me,
            )
        except RejectedInput as refused:
            context = await _again(db, me, slug, number, fields=with_refusal(fields, refused))
            return page("contribute.html", context, status_code=422)
        except Conflict as refused:
            # the round closed, or the form was sent before with other words: keep the text
            context = await _again(db, me, slug, number, refused=str(refused))
            if context.view.accepting:
                context = replace(context, fields=fresh_fields(draft_content(fields)))
            else:
                context = replace(context, unsaved=draft_content(fields))
            return page("contribute.html", context, status_code=409)
        query = urlencode({"done": "submitted", "id": done.fragment.id})
        return Redirect(f"{base_path(slug, number)}?{query}#your-contributions", status_code=303)

    @post("/drafts", middleware=[limits.SUBMIT.middleware])
    async def save(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        number: FromPath[int],
        data: FormBody,
        me: Me,
        db: Db,
    ) -> Template | Redirect:
        fields, _ = read_fragment_form(data)
        htmx = is_htmx(request)
        try:
            saved = await save_draft(db, slug, number, fields.key, draft_content(fields), actor=me)
        except SymphoniaError as refused:
            if not htmx and isinstance(refused, RejectedInput):
                context = await _again(db, me, slug, number, fields=with_refusal(fields, refused))
                return page("contribute.html", context, status_code=422)
            if not htmx:
                raise
            # htmx swaps only successful answers: say in place that nothing was saved
            words = refused.summary if isinstance(refused, RejectedInput) else str(refused)
            status = DraftStatus(None, f"Draft not saved: {words}")
            return page("_draft_status.html", status)
        if htmx:
            return page("_draft_status.html", DraftStatus(clock_time(saved.updated_at)))
        query = urlencode({"draft": saved.key, "done": "saved"})
        return Redirect(f"{base_path(slug, number)}?{query}", status_code=303)

    @post("/drafts/{key:str}/discard")
    async def discard(
        self, slug: FromPath[str], number: FromPath[int], key: FromPath[str], me: Me, db: Db
    ) -> Redirect:
        await discard_draft(db, slug, number, key, actor=me)
        query = urlencode({"draft": "new", "done": "discarded"})
        return Redirect(f"{base_path(slug, number)}?{query}", status_code=303)
