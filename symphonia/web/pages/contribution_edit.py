"""Changing one's mind: edit a submitted fragment (a new version; the old one stays on
record) or withdraw it, until the round closes.

Both are a page with a form, so they work without JavaScript, and both tolerate a double
click: the same edit twice stores one version (the service makes edits idempotent), and
withdrawing what is already withdrawn is done, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from symphonia.core.errors import Conflict, RejectedInput
from symphonia.services.contributions import edit_fragment, withdraw_fragment
from symphonia.services.expert_round import Contribution, ExpertRound, expert_round, my_contribution
from symphonia.web import limits
from symphonia.web.context import Nav, nav_for, page
from symphonia.web.deps import Db, Me
from symphonia.web.forms import FormBody, FormState, read_form
from symphonia.web.pages.contribute import base_path
from symphonia.web.pages.fragment_form import (
    FragmentChoices,
    FragmentFields,
    fresh_fields,
    read_fragment_form,
    with_refusal,
)


@dataclass(frozen=True, slots=True)
class EditPage(FragmentChoices):
    title: str
    nav: Nav
    view: ExpertRound
    contribution: Contribution
    base: str
    fields: FragmentFields | None
    """None when this version can no longer be edited (the page says why)."""
    refused: str | None = None

    @property
    def failed(self) -> bool:
        return self.refused is not None or bool(self.fields and self.fields.form.failed)


@dataclass(frozen=True, slots=True)
class WithdrawPage(FragmentChoices):
    title: str
    nav: Nav
    view: ExpertRound
    contribution: Contribution
    base: str
    form: FormState


def _values(c: Contribution) -> dict[str, str]:
    f = c.fragment
    return {
        "kind": f.kind.value,
        "text": f.text,
        "confidence": str(f.confidence),
        "sources": "\n".join(f.sources),
    }


def _editable(view: ExpertRound, c: Contribution) -> bool:
    return view.accepting and c.current


class ContributionController(Controller):
    path = "/studies/{slug:str}/rounds/{number:int}/contribute/{fragment_id:str}"
    include_in_schema = False

    async def _load(
        self, db: Db, me: Me, slug: str, number: int, fragment_id: str
    ) -> tuple[ExpertRound, Contribution]:
        view = await expert_round(db, slug, number, actor=me)
        return view, await my_contribution(db, slug, number, fragment_id, actor=me)

    @get("/edit")
    async def edit_form(
        self, slug: FromPath[str], number: FromPath[int], fragment_id: FromPath[str], me: Me, db: Db
    ) -> Template:
        view, c = await self._load(db, me, slug, number, fragment_id)
        fields = fresh_fields(_values(c)) if _editable(view, c) else None
        title = f"Edit fragment {c.fragment.id}"
        context = EditPage(title, nav_for(me), view, c, base_path(slug, number), fields)
        return page("contribution_edit.html", context)

    @post("/edit", middleware=[limits.SUBMIT.middleware])
    async def edit(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        fragment_id: FromPath[str],
        data: FormBody,
        me: Me,
        db: Db,
    ) -> Template | Redirect:
        fields, fragment = read_fragment_form(data)
        try:
            if fields.form.failed:
                raise RejectedInput("the fragment was not changed", [])
            stored = await edit_fragment(db, slug, number, fragment_id, fragment, actor=me)
        except (RejectedInput, Conflict) as refused:
            view, c = await self._load(db, me, slug, number, fragment_id)
            title = f"Edit fragment {c.fragment.id}"
            base = base_path(slug, number)
            if isinstance(refused, RejectedInput):
                context = EditPage(title, nav_for(me), view, c, base, with_refusal(fields, refused))
                return page("contribution_edit.html", context, status_code=422)
            context = EditPage(title, nav_for(me), view, c, base, None, refused=str(refused))
            return page("contribution_edit.html", context, status_code=409)
        query = urlencode({"done": "edited", "id": stored.id})
        return Redirect(f"{base_path(slug, number)}?{query}#your-contributions", status_code=303)

    @get("/withdraw")
    async def withdraw_form(
        self, slug: FromPath[str], number: FromPath[int], fragment_id: FromPath[str], me: Me, db: Db
    ) -> Template:
        view, c = await self._load(db, me, slug, number, fragment_id)
        title = f"Withdraw fragment {c.fragment.id}"
        context = WithdrawPage(title, nav_for(me), view, c, base_path(slug, number), FormState())
        return page("contribution_withdraw.html", context)

    @post("/withdraw", middleware=[limits.SUBMIT.middleware])
    async def withdraw(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        fragment_id: FromPath[str],
        data: FormBody,
        me: Me,
        db: Db,
    ) -> Template | Redirect:
        form = read_form(data, ("reason",))
        base = base_path(slug, number)
        if form.failed:
            view, c = await self._load(db, me, slug, number, fragment_id)
            title = f"Withdraw fragment {c.fragment.id}"
            context = WithdrawPage(title, nav_for(me), view, c, base, form)
            return page("contribution_withdraw.html", context, status_code=422)
        try:
            await withdraw_fragment(
                db, slug, number, fragment_id, form.values["reason"] or None, actor=me
            )
        except Conflict as refused:
            if refused.code != "fragment_withdrawn":  # withdrawn already: a double click
                raise
        query = urlencode({"done": "withdrawn", "id": fragment_id})
        return Redirect(f"{base}?{query}#your-contributions", status_code=303)
