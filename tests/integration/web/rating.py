"""Helpers for the rating round's page and API tests: a client signed in as a panellist or
an account (the way people sign in: a one-time link), and an API token's headers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.testing import AsyncTestClient

from symphonia.core.actors import Actor
from symphonia.services.api_tokens import issue_api_token
from symphonia.services.tokens import issue_sign_in_link
from tests.integration.web.conftest import Web, post_form

OPERATOR = Actor.operator("test")


@asynccontextmanager
async def signed_in(
    web: Web, *, participant: uuid.UUID | None = None, account: uuid.UUID | None = None
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with web.container.session() as s:
        issued = await issue_sign_in_link(
            s, participant_id=participant, account_id=account, actor=OPERATOR
        )
    async with web.client() as client:
        path = f"/sign-in/{issued.token}"
        signed = await post_form(client, path, {}, form_page=path)
        assert signed.status_code in (302, 303), signed.text
        yield client


async def bearer(
    web: Web, *, participant: uuid.UUID | None = None, account: uuid.UUID | None = None
) -> dict[str, str]:
    async with web.container.session() as s:
        token = await issue_api_token(
            s, participant_id=participant, account_id=account, actor=OPERATOR
        )
    return {"Authorization": f"Bearer {token.token}"}
