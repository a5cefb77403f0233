"""Two studies and someone in every role, signed in the way people sign in.

`Cast` is what boundary tests iterate over: for each name (anonymous, expert of A, expert of
B, editor of A, reader of A, facilitator of A, facilitator of B) a client signed in as that
person (pages) and the headers of their API token (the API). Study A's round 1 is open so
experts have something to contribute to; study B mirrors A so that "another study's data"
always exists to be leaked.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from symphonia.core.actors import Actor, StudyRole
from symphonia.core.study import (
    Panellist,
    RoundDefinition,
    RoundKind,
    StakeholderGroup,
    StudyDefinition,
)
from symphonia.db.models import Participant, Study
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.api_tokens import issue_api_token
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.services.tokens import issue_sign_in_link
from tests.integration.web.conftest import Web, post_form

OPERATOR = Actor.operator("test")
ROLES = (
    "anonymous",
    "expert_a",
    "expert_b",
    "editor_a",
    "reader_a",
    "facilitator_a",
    "facilitator_b",
)


def definition(slug: str) -> StudyDefinition:
    return StudyDefinition(
        id=slug,
        title=f"Study {slug.upper()}",
        question=f"What should {slug} do first?",
        groups=(StakeholderGroup("clin", "Clinicians"), StakeholderGroup("par", "Parents")),
        panel=(
            Panellist("E01", "clin"),
            Panellist("E02", "clin"),
            Panellist("E03", "par"),
        ),
        rounds=(
            RoundDefinition(1, RoundKind.CONTRIBUTE),
            RoundDefinition(2, RoundKind.RATE),
        ),
    )


@dataclass
class Cast:
    web: Web
    studies: dict[str, uuid.UUID] = field(default_factory=dict)
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)
    experts: dict[str, uuid.UUID] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def api_headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}

    @asynccontextmanager
    async def client(self, role: str) -> AsyncIterator[AsyncTestClient[Litestar]]:
        """A browser-like client signed in as `role` (anonymous: signed in as nobody)."""
        async with self.web.client() as client:
            if role != "anonymous":
                async with self.web.container.session() as s:
                    if role.startswith("expert"):
                        issued = await issue_sign_in_link(
                            s, participant_id=self.experts[role], actor=OPERATOR
                        )
                    else:
                        issued = await issue_sign_in_link(
                            s, account_id=self.accounts[role], actor=OPERATOR
                        )
                path = f"/sign-in/{issued.token}"
                signed = await post_form(client, path, {}, form_page=path)
                assert signed.status_code in (302, 303), signed.text
            yield client

    @asynccontextmanager
    async def clients(self) -> AsyncIterator[dict[str, AsyncTestClient[Litestar]]]:
        async with AsyncExitStack() as stack:
            yield {role: await stack.enter_async_context(self.client(role)) for role in ROLES}


async def cast_of_two_studies(web: Web) -> Cast:
    cast = Cast(web)
    async with web.container.session() as s:
        for slug in ("a", "b"):
            outcome = await load_study(s, definition(f"study-{slug}"), actor=OPERATOR)
            cast.studies[slug] = outcome.study.id
            await open_round(s, f"study-{slug}", 1, actor=OPERATOR)
        for name, slug, role in (
            ("editor_a", "a", StudyRole.EDITOR),
            ("reader_a", "a", StudyRole.READER),
            ("facilitator_a", "a", StudyRole.FACILITATOR),
            ("facilitator_b", "b", StudyRole.FACILITATOR),
        ):
            email = f"{name}@example.org"
            account = await create_account(s, email, actor=OPERATOR)
            await grant_role(s, email, f"study-{slug}", role, actor=OPERATOR)
            cast.accounts[name] = account.id
            token = await issue_api_token(s, account_id=account.id, actor=OPERATOR)
            cast.tokens[name] = token.token
        for slug in ("a", "b"):
            participant = await s.scalar(
                select(Participant.id)
                .join(Study, Study.id == Participant.study_id)
                .where(Study.slug == f"study-{slug}", Participant.pseudonym == "E01")
            )
            assert participant is not None
            await s.commit()  # end the lookup's transaction: the service must open its own
            cast.experts[f"expert_{slug}"] = participant
            token = await issue_api_token(s, participant_id=participant, actor=OPERATOR)
            cast.tokens[f"expert_{slug}"] = token.token
    return cast
