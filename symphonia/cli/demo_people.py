"""`symphonia demo-people`: someone in every role of the demo study, and a link for each.

What `make run` prints before it starts the server: one-time sign-in links for a
facilitator, an editor and a reader of the demo study (accounts made on the first run, found
again on later ones) and for one of its experts, so every side of the platform can be tried
at once. Each run issues new links (each works once, for 14 days); earlier ones stay valid
until used or expired.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from symphonia.cli.common import ACTOR, console, run
from symphonia.composition import Container
from symphonia.core.actors import StudyRole
from symphonia.db.models import Account, LinkPurpose, Participant, Study
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.errors import NotFound
from symphonia.services.tokens import issue_sign_in_link
from symphonia.services.tx import transaction

STAFF = (
    (StudyRole.FACILITATOR, "facilitator@example.org", "Demo facilitator"),
    (StudyRole.EDITOR, "editor@example.org", "Demo editor"),
    (StudyRole.READER, "reader@example.org", "Demo reader"),
)


async def _account_link(
    container: Container, role: StudyRole, email: str, name: str, slug: str
) -> str:
    async with container.session() as session:
        async with transaction(session, write=False):
            found = await session.scalar(select(Account.id).where(Account.email == email))
        if found is None:
            made = await create_account(
                session,
                email,
                display_name=name,
                may_create_studies=role is StudyRole.FACILITATOR,
                actor=ACTOR,
            )
            found = made.id
        await grant_role(session, email, slug, role, actor=ACTOR)
        issued = await issue_sign_in_link(
            session, account_id=found, purpose=LinkPurpose.INVITATION, actor=ACTOR
        )
    return container.sign_in_url(issued.token)


async def _expert_link(container: Container, slug: str, pseudonym: str) -> str:
    async with container.session() as session:
        async with transaction(session, write=False):
            expert = await session.scalar(
                select(Participant.id)
                .join(Study, Study.id == Participant.study_id)
                .where(Study.slug == slug, Participant.pseudonym == pseudonym)
            )
        if expert is None:
            raise NotFound(
                f"study {slug!r} has no panellist {pseudonym!r}", code="unknown_participant"
            )
        issued = await issue_sign_in_link(
            session, participant_id=expert, purpose=LinkPurpose.INVITATION, actor=ACTOR
        )
    return container.sign_in_url(issued.token)


def demo_people(
    study: Annotated[str, typer.Option(help="The demo study's id.")] = "connected-icb",
    expert: Annotated[str, typer.Option(help="The panellist to sign in as.")] = "E01",
) -> None:
    """Make (or find) a facilitator, an editor and a reader of the demo study, and print a
    one-time sign-in link for each and for one of its experts."""

    async def go(container: Container) -> None:
        lines = [
            (
                role.value.capitalize(),
                email,
                await _account_link(container, role, email, name, study),
            )
            for role, email, name in STAFF
        ]
        lines.insert(
            1, ("Expert", f"{expert} of {study}", await _expert_link(container, study, expert))
        )
        console.print("Sign in as (each link works once, for 14 days):", highlight=False)
        for role, who, link in lines:
            console.print(f"  {role:<12} {who:<28} {link}", markup=False, highlight=False)

    run(go)
