"""Helpers for the facilitator's page and API tests: an app whose worker analyses with a
fast fake embedder, a facilitator signed in, and waiting for background work."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.mail import Mailer
from symphonia.services.accounts import create_account
from symphonia.services.api_tokens import issue_api_token
from symphonia.services.tokens import issue_sign_in_link
from symphonia.settings import Settings, WorkerSettings
from symphonia.web.app import create_app
from tests.integration.web.conftest import BASE_URL, RecordingMailer, Web, post_form
from tests.unit.pipeline.conftest import CountingEmbedder

OPERATOR = Actor.operator("test")
FAST = WorkerSettings(poll_s=0.05, heartbeat_s=0.05, stale_after_s=5.0)
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
PROTOCOL_FORM = {
    "rule": "percent_iqr",
    "scale_min": "1",
    "scale_max": "9",
    "agreement_threshold": "70",
    "max_iqr": "2",
    "min_participation": "60",
    "min_group_agreement": "50",
    "min_item_ratings": "1",
    "participation_base": "panel",
    "group_basis": "stakeholder",
    "max_rounds": "3",
    "cv_change_below": "0.15",
    "wilcoxon": "yes",
    "og_min_ratings": "7",
    "og_max_groups": "5",
    "og_seed": "0",
    "feedback_groups": "no",
    "feedback_comments": "no",
}
"""The protocol form with every field filled in (the defaults), for tests to change."""


def working_app(
    web: Web,
    *,
    mailer: Mailer | None = None,
    rounds_dir: Path | None = None,
    run_worker: bool = True,
) -> tuple[Litestar, Settings]:
    """The test's app with its in-process worker (a fast fake embedder: analyses take
    moments) and, if given, another mailer or rounds directory.

    A test client runs the app (its lifespan, its worker and every request) on its own event
    loop in a thread, and blocks the test's loop while a request runs: so one client per
    app, and no worker on the test's loop (a write it began would hold SQLite's lock while
    the test's loop waits for the request that needs it)."""
    settings = dataclasses.replace(
        web.settings, worker=FAST, rounds_dir=rounds_dir or web.settings.rounds_dir
    )
    chosen = mailer or web.mailer

    def make(s: Settings) -> Container:
        return Container(s, mailer=chosen, embedder=CountingEmbedder())  # type: ignore[arg-type]

    return create_app(settings, container_factory=make, run_worker=run_worker), settings


@asynccontextmanager
async def client_of(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url=BASE_URL) as client:
        yield client


async def facilitator(web: Web, email: str = "fac@example.org") -> tuple[Any, str]:
    """A new account that may create studies: (its view, an API token)."""
    async with web.container.session() as s:
        account = await create_account(s, email, may_create_studies=True, actor=OPERATOR)
        token = await issue_api_token(s, account_id=account.id, actor=OPERATOR)
    return account, token.token


async def sign_in(client: AsyncTestClient[Litestar], web: Web, account_id: Any) -> None:
    async with web.container.session() as s:
        issued = await issue_sign_in_link(s, account_id=account_id, actor=OPERATOR)
    path = f"/sign-in/{issued.token}"
    signed = await post_form(client, path, {}, form_page=path)
    assert signed.status_code in (302, 303), signed.text


async def form_token(client: AsyncTestClient[Litestar], path: str) -> str:
    found = CSRF.search((await client.get(path)).text)
    assert found is not None, f"no CSRF field on {path}"
    return found.group(1)


async def until(check: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.05) -> Any:
    """Poll `check` (a coroutine function) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(every)


__all__ = ["RecordingMailer"]
