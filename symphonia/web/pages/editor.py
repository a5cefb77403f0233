"""The editor's workspace: a round's draft beside its evidence, amended statement by statement.

Every change is a plain form post (JavaScript off: the answer redirects back to the
statement in the workspace); htmx improves the workspace's inline text edit by swapping in
just the statement it changed. A refused change comes back with the editor's input kept
and each problem beside its field; a change another editor overtook (stale revision) comes
back as a conflict page (409) showing both texts, with the editor's input in a form that
now carries the current revision, so nothing they typed is lost.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.amendments import AmendmentAction
from symphonia.core.errors import Conflict, RejectedInput
from symphonia.services.approving import approve_version
from symphonia.services.editing import amend
from symphonia.services.publishing import publish_version
from symphonia.web.context import page
from symphonia.web.deps import Db, Me, Services
from symphonia.web.editor_form import EditRequest, read_edit
from symphonia.web.editor_pages import (
    InlineAnswer,
    StaleEdit,
    StatementPage,
    defaults,
    with_revision,
    workspace_page,
)
from symphonia.web.editor_refusals import conflict_of, form_errors
from symphonia.web.forms import FormBody
from symphonia.web.pages.contribute import is_htmx


async def statement_page(
    db: AsyncSession, me: Actor, slug: str, number: int, key: str, **more: Any
) -> StatementPage:
    context: StatementPage = await workspace_page(
        db, me, slug, number, kind=StatementPage, key=key, title=f"Change statement {key}", **more
    )
    return context


class EditorController(Controller):
    path = "/studies/{slug:str}/rounds/{number:int}/draft"
    include_in_schema = False

    @get("")
    async def show(self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db) -> Template:
        return page("editor.html", await workspace_page(db, me, slug, number))

    @get("/statements/{key:str}")
    async def statement(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        key: FromPath[str],
        me: Me,
        db: Db,
        action: Annotated[str, QueryParameter(name="action")] = "edit",
    ) -> Template:
        chosen = AmendmentAction(action) if action in set(AmendmentAction) else AmendmentAction.EDIT
        context = await statement_page(db, me, slug, number, key, action=chosen)
        context = replace(context, form=defaults(context.statement))
        return page("statement_edit.html", context)

    @get("/add")
    async def add_form(
        self, slug: FromPath[str], number: FromPath[int], me: Me, db: Db
    ) -> Template:
        context = await workspace_page(
            db, me, slug, number, kind=StatementPage, title="Add a statement"
        )
        return page("statement_add.html", context)

    async def _amend(
        self,
        request: EditRequest,
        slug: str,
        number: int,
        me: Actor,
        db: AsyncSession,
        container: Any,
    ) -> tuple[str | None, RejectedInput | Conflict | None]:
        assert request.change is not None
        assert request.revisions is not None
        embedder = await asyncio.to_thread(container.embedder)
        try:
            await amend(
                db,
                slug,
                number,
                request.change,
                request.form.values["reason"],
                request.revisions,
                actor=me,
                embedder=embedder,
            )
        except (RejectedInput, Conflict) as refused:
            return None, refused
        return request.change.key, None

    @post("/statements/{key:str}")
    async def change(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        number: FromPath[int],
        key: FromPath[str],
        data: FormBody,
        me: Me,
        db: Db,
        container: Services,
    ) -> Template | Redirect:
        edit = read_edit(key, data)
        refused: RejectedInput | Conflict | None = None
        if edit.change is not None:
            done, refused = await self._amend(edit, slug, number, me, db, container)
            if done is not None and not is_htmx(request):
                anchor = f"#st-{done}" if edit.change.action is not AmendmentAction.REMOVE else ""
                return Redirect(f"/studies/{slug}/rounds/{number}/draft{anchor}", status_code=303)
        form = edit.form
        if isinstance(refused, RejectedInput):
            form = form.with_errors(form_errors(refused, edit.form.values["action"]))
        elif isinstance(refused, Conflict) and refused.code != "stale_statement":
            raise refused
        stale = conflict_of(refused)
        if is_htmx(request):
            # htmx swaps successful answers only: the statement comes back in place, with
            # the editor's text and the problem (or the other editor's text) when refused
            context = await workspace_page(
                db,
                me,
                slug,
                number,
                forms={key: form} if form.failed or stale else {},
                stale={key: StaleEdit(*stale)} if stale else {},
            )
            return page("_draft_statement_answer.html", InlineAnswer(context, key))
        action = AmendmentAction(form.values["action"]) if edit.change else AmendmentAction.EDIT
        context = await statement_page(
            db,
            me,
            slug,
            number,
            key,
            action=action,
            stale={key: StaleEdit(*stale)} if stale else {},
        )
        context = replace(context, form=with_revision(form, context.statement))
        status = 409 if stale else 400
        return page("statement_edit.html", context, status_code=status)

    @post("/add")
    async def add(
        self,
        slug: FromPath[str],
        number: FromPath[int],
        data: FormBody,
        me: Me,
        db: Db,
        container: Services,
    ) -> Template | Redirect:
        edit = read_edit(None, {**data, "action": AmendmentAction.ADD.value})
        refused = None
        if edit.change is not None:
            done, refused = await self._amend(edit, slug, number, me, db, container)
            if done is not None:
                return Redirect(f"/studies/{slug}/rounds/{number}/draft#st-{done}", status_code=303)
        form = edit.form
        if isinstance(refused, RejectedInput):
            form = form.with_errors(form_errors(refused, AmendmentAction.ADD.value))
        elif refused is not None:
            raise refused
        context = await workspace_page(
            db, me, slug, number, kind=StatementPage, title="Add a statement", form=form
        )
        return page("statement_add.html", context, status_code=400)

    @post("/approve")
    async def approve(
        self, slug: FromPath[str], number: FromPath[int], data: FormBody, me: Me, db: Db
    ) -> Template | Redirect:
        try:
            version = int(str(data.get("version", "")))
        except ValueError:
            version = 0
        try:
            await approve_version(db, slug, number, version, actor=me)
        except Conflict as refused:
            context = await workspace_page(db, me, slug, number, refused=str(refused))
            return page("editor.html", context, status_code=409)
        return Redirect(f"/studies/{slug}/rounds/{number}/draft", status_code=303)

    @post("/publish")
    async def publish(
        self, slug: FromPath[str], number: FromPath[int], data: FormBody, me: Me, db: Db
    ) -> Template | Redirect:
        raw = str(data.get("version", ""))
        try:
            await publish_version(db, slug, number, int(raw) if raw.isdigit() else None, actor=me)
        except Conflict as refused:
            context = await workspace_page(db, me, slug, number, refused=str(refused))
            return page("editor.html", context, status_code=409)
        return Redirect(f"/studies/{slug}/rounds/{number}/draft", status_code=303)
