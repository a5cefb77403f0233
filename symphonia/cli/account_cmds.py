"""`symphonia account …`: staff accounts and their roles per study, from the shell.

`create` prints a one-time sign-in link (the token is shown once and stored only hashed);
`--password` also sets a password, asked for without echo.
"""

from __future__ import annotations

from typing import Annotated

import typer

from symphonia.cli.common import ACTOR, console, fail, handle_errors, run, settings
from symphonia.cli.usage import Command
from symphonia.composition import Container
from symphonia.core.actors import STAFF_ROLES, StudyRole
from symphonia.db.models import LinkPurpose
from symphonia.services.accounts import (
    AccountView,
    create_account,
    find_account,
    grant_role,
    list_accounts,
    revoke_role,
    set_password,
)
from symphonia.services.tokens import issue_sign_in_link
from symphonia.services.tx import transaction

account_app = typer.Typer(help="Staff accounts and their roles in studies.", no_args_is_help=True)

EmailArg = Annotated[str, typer.Argument(help="The account's email address.", metavar="EMAIL")]
RoleOpt = Annotated[
    str,
    typer.Option(
        help=f"Role in the studies: {' | '.join(r.value for r in STAFF_ROLES)}.",
        metavar="ROLE",
    ),
]
StudyOpt = Annotated[str, typer.Option("--study", help="Study id.", metavar="STUDY")]


def _role(value: str) -> StudyRole:
    staff = {r.value: r for r in STAFF_ROLES}
    if value not in staff:
        fail(f"--role {value!r} is not a staff role; expected one of {', '.join(staff)}")
    return staff[value]


def _roles(view: AccountView) -> str:
    return ", ".join(f"{m.study_slug}:{m.role.value}" for m in view.memberships)


def _ask_password() -> str:
    """The password, asked twice without echo; settings are checked first, so a bad
    setting is refused before anyone types a password for nothing."""
    with handle_errors():
        settings()
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@account_app.command(
    "create", cls=Command, short_help="Create a staff account; print its sign-in link."
)
def create(
    email: EmailArg,
    role: RoleOpt,
    study: Annotated[
        list[str] | None,
        typer.Option("--study", help="A study to give the role in (repeatable).", metavar="STUDY"),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Also set a password (asked for).")
    ] = False,
) -> None:
    """Create a staff account with a role in the given studies, and print a one-time
    sign-in link. A facilitator may create studies; editors and readers need --study."""
    chosen = _role(role)
    studies = study or []
    if chosen is not StudyRole.FACILITATOR and not studies:
        fail(f"--role {chosen.value} needs --study: editors and readers work on given studies")
    secret = _ask_password() if password else None

    async def go(container: Container) -> None:
        async with container.session() as session, transaction(session):
            view = await create_account(
                session,
                email,
                display_name=name,
                password=secret,
                may_create_studies=chosen is StudyRole.FACILITATOR,
                actor=ACTOR,
            )
            for slug in studies:
                view = await grant_role(session, view.email, slug, chosen, actor=ACTOR)
            link = await issue_sign_in_link(
                session, account_id=view.id, purpose=LinkPurpose.INVITATION, actor=ACTOR
            )
        where = f" in {', '.join(studies)}" if studies else " (may create studies)"
        console.print(f"account {view.email} created: {chosen.value}{where}")
        expires = f"{link.expires_at:%Y-%m-%d %H:%M} UTC" if link.expires_at else "never"
        console.print(f"sign-in link (shown once, single use, expires {expires}):")
        console.print(container.sign_in_url(link.token), markup=False, highlight=False)

    run(go)


@account_app.command("list", cls=Command)
def list_cmd() -> None:
    """List staff accounts with their roles."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            views = await list_accounts(session, actor=ACTOR)
        if not views:
            console.print("no accounts yet; create one with `symphonia account create`")
            return
        for v in views:  # one line each, whole (a table would cut emails short)
            notes = [
                "" if v.is_active else "inactive",
                "creates studies" if v.may_create_studies else "",
                "password" if v.has_password else "link only",
            ]
            shown = "; ".join(n for n in notes if n)
            roles = _roles(v) or "no roles"
            console.print(f"{v.email} ({v.display_name}; {shown}): {roles}", markup=False)

    run(go)


@account_app.command("grant", cls=Command, short_help="Give an account a role in a study.")
def grant(email: EmailArg, study: StudyOpt, role: RoleOpt) -> None:
    """Give the account a role in the study (replacing the role it had there)."""
    chosen = _role(role)

    async def go(container: Container) -> None:
        async with container.session() as session:
            view = await grant_role(session, email, study, chosen, actor=ACTOR)
        console.print(f"{view.email}: {_roles(view)}")

    run(go)


@account_app.command("revoke", cls=Command, short_help="Take an account's role in a study away.")
def revoke(email: EmailArg, study: StudyOpt) -> None:
    """Take the account's role in the study away."""

    async def go(container: Container) -> None:
        async with container.session() as session:
            view = await revoke_role(session, email, study, actor=ACTOR)
        console.print(f"{view.email}: {_roles(view) or 'no roles'}")

    run(go)


@account_app.command("password", cls=Command, short_help="Set an account's password.")
def password_cmd(email: EmailArg) -> None:
    """Set the account's password (asked for); its other sessions end."""
    secret = _ask_password()

    async def go(container: Container) -> None:
        async with container.session() as session:
            view = await find_account(session, email, actor=ACTOR)
            await set_password(session, view.id, secret, actor=ACTOR)
        console.print(f"password set for {view.email}")

    run(go)
