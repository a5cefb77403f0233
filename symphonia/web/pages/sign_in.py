"""Signing in and out: a staff password, a panellist's invitation link, a fresh link by email.

A link opened from an email first shows a page with one button, and only the button's POST
uses the link: mail scanners that fetch every URL in a message would otherwise spend a
single-use link before its owner could click it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from symphonia.core.errors import AuthenticationFailed, RejectedInput
from symphonia.services.accounts import verify_password
from symphonia.services.sign_in_mail import send_fresh_links
from symphonia.services.tokens import redeem_sign_in_link, signed_in_holder
from symphonia.web import limits
from symphonia.web.auth import forget, remember
from symphonia.web.context import page
from symphonia.web.deps import Db, Services
from symphonia.web.forms import FormBody, FormState, errors_from_refusal, read_form


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never `//host` or a URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/studies"


@dataclass(frozen=True, slots=True)
class SignInPage:
    title: str
    form: FormState
    next: str
    nav: None = None


@dataclass(frozen=True, slots=True)
class LinkPage:
    title: str
    token: FromPath[str]
    problem: str | None = None
    nav: None = None


@dataclass(frozen=True, slots=True)
class NewLinkPage:
    title: str
    form: FormState
    sent_to: str | None = None
    nav: None = None


class SignInController(Controller):
    path = "/"
    include_in_schema = False

    @get("/sign-in", sync_to_thread=False)
    def sign_in_form(
        self, next_: Annotated[str | None, QueryParameter(name="next")] = None
    ) -> Template:
        return page("sign_in.html", SignInPage("Sign in", FormState(), safe_next(next_)))

    @post("/sign-in", middleware=[limits.SIGN_IN.middleware])
    async def sign_in(
        self, request: Request[Any, Any, Any], data: FormBody, db: Db
    ) -> Template | Redirect:
        form = read_form(data, ("email", "password", "next"))
        missing = {
            name: message
            for name, message in (
                ("email", "Enter your email address"),
                ("password", "Enter your password"),
            )
            if not form.values[name]
        }
        target = safe_next(form.values["next"])
        if missing or form.failed:
            failed = form.with_errors(missing)
            return page("sign_in.html", SignInPage("Sign in", failed, target), status_code=400)
        try:
            account = await verify_password(db, form.values["email"], form.values["password"])
            holder = await signed_in_holder(db, None, account.id)
        except AuthenticationFailed:
            failed = form.with_errors({"email": "The email address or password is not right"})
            return page("sign_in.html", SignInPage("Sign in", failed, target), status_code=401)
        remember(request, holder)
        return Redirect(target)

    @get("/sign-in/{token:str}", sync_to_thread=False)
    def link(self, token: FromPath[str]) -> Template:
        return page("sign_in_link.html", LinkPage("Sign in to Symphonia", token))

    @post("/sign-in/{token:str}", middleware=[limits.SIGN_IN.middleware])
    async def use_link(
        self, request: Request[Any, Any, Any], token: FromPath[str], db: Db
    ) -> Template | Redirect:
        try:
            signed_in = await redeem_sign_in_link(db, token)
        except AuthenticationFailed as refused:
            context = LinkPage("This link cannot be used", token, str(refused))
            return page("sign_in_link.html", context, status_code=401)
        remember(request, signed_in)
        return Redirect("/studies")

    @get("/sign-in/new-link", sync_to_thread=False)
    def new_link_form(self) -> Template:
        return page("new_link.html", NewLinkPage("Get a new sign-in link", FormState()))

    @post("/sign-in/new-link", middleware=[limits.NEW_LINK.middleware])
    async def new_link(self, data: FormBody, db: Db, container: Services) -> Template:
        form = read_form(data, ("email",))
        title = "Get a new sign-in link"
        if not form.values["email"]:
            failed = form.with_errors({"email": "Enter your email address"})
            return page("new_link.html", NewLinkPage(title, failed), status_code=400)
        try:
            await send_fresh_links(
                db, form.values["email"], mailer=container.mailer(), link_for=container.sign_in_url
            )
        except RejectedInput as refused:
            failed = form.with_errors(errors_from_refusal(refused, ("email",), "email"))
            return page("new_link.html", NewLinkPage(title, failed), status_code=400)
        return page("new_link.html", NewLinkPage("Check your email", form, form.values["email"]))

    @post("/sign-out", sync_to_thread=False)
    def sign_out(self, request: Request[Any, Any, Any]) -> Redirect:
        forget(request)
        return Redirect("/")
