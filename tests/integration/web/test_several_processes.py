"""Two web processes on one database (issue 14: PostgreSQL; on one machine, SQLite too): a
request may land on either.

Each app here is what one `symphonia serve` process runs (its own container, engine and
stores) on the same database and secret key. Rate limits count across both (they live in
the database, :mod:`symphonia.web.stores`), and a session or CSRF token issued by one is
honoured by the other."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from symphonia.composition import Container
from symphonia.core.actors import StudyRole
from symphonia.db.models import Fragment
from symphonia.services.accounts import grant_role
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file
from symphonia.web import limits
from symphonia.web.app import create_app
from symphonia.web.stores import DatabaseStore
from tests.fakes.mail_panel import add_experts
from tests.integration.web.conftest import Web, csrf, post_form
from tests.integration.web.facilitation import OPERATOR, facilitator, form_token, sign_in, until
from tests.integration.web.people import cast_of_two_studies
from tests.integration.web.test_sign_in import EMAIL, PASSWORD, _account


@pytest.fixture
async def other(web: Web) -> Web:
    """A second web process beside `web`: same settings and database, its own app."""
    app = create_app(
        web.settings,
        container_factory=lambda s: Container(s, mailer=web.mailer),
        run_worker=False,
    )
    return dataclasses.replace(web, app=app)


async def test_sign_in_attempts_count_across_web_processes(web: Web, other: Web) -> None:
    await _account(web)
    allowed = limits.SIGN_IN.rate_limit[1]
    async with web.client() as first, other.client() as second:
        for _ in range(allowed):
            guess = await post_form(
                first, "/sign-in", {"email": EMAIL, "password": "guess"}, form_page="/sign-in"
            )
            assert guess.status_code == 401
        refused = await post_form(
            second, "/sign-in", {"email": EMAIL, "password": PASSWORD}, form_page="/sign-in"
        )
        assert refused.status_code == 429
        assert first.app.stores.get(limits.SIGN_IN.store).__class__ is DatabaseStore


async def test_a_session_from_one_process_is_honoured_by_the_other(web: Web, other: Web) -> None:
    await _account(web)
    async with web.client() as first, other.client() as second:
        signed_in = await post_form(
            first, "/sign-in", {"email": EMAIL, "password": PASSWORD}, form_page="/sign-in"
        )
        assert signed_in.status_code in (302, 303)
        assert (await second.get("/studies", follow_redirects=False)).status_code in (302, 303)
        second.cookies = first.cookies
        page = await second.get("/studies", follow_redirects=False)
        assert page.status_code == 200
        assert "Sign out" in page.text
        # a form shown by one process is accepted by the other (CSRF cookie and token)
        token = await csrf(first, "/studies")
        second.cookies = first.cookies
        out = await second.post("/sign-out", data={"_csrf_token": token}, follow_redirects=False)
        assert out.status_code in (302, 303)


async def test_rate_limits_live_in_the_database_on_either_backend(web: Web) -> None:
    async with web.client() as client:
        for config in (limits.SIGN_IN, limits.NEW_LINK, limits.SUBMIT):
            assert isinstance(client.app.stores.get(config.store), DatabaseStore)


async def test_the_database_store_keeps_litestars_store_contract(web: Web) -> None:
    """Get/set/expiry/renewal/delete on either backend."""
    engine = web.container.engine
    store = DatabaseStore(lambda: engine, "test_contract")
    other_namespace = store.with_namespace("inner")
    assert await store.get("k") is None
    await store.set("k", "one")
    await store.set("k", b"two")  # an upsert: the second write replaces the first
    assert await store.get("k") == b"two"
    assert await store.exists("k")
    assert await store.expires_in("k") is None
    await store.set("short", "x", expires_in=datetime.timedelta(seconds=1))
    assert await store.expires_in("short") in (0, 1)
    await store.set("long", "y", expires_in=100)
    assert 98 <= (await store.expires_in("long") or 0) <= 100
    await store.get("long", renew_for=1000)
    assert (await store.expires_in("long") or 0) > 900
    await other_namespace.set("k", "inner")
    assert await other_namespace.get("k") == b"inner"
    assert await store.get("k") == b"two"
    await asyncio.sleep(1.1)
    assert await store.get("short") is None  # expired reads as absent
    assert not await store.exists("short")
    await store.delete("k")
    assert await store.get("k") is None
    await store.delete_all()
    assert await store.get("long") is None
    assert await other_namespace.get("k") is None
    with pytest.raises(ValueError, match="namespace"):
        DatabaseStore(lambda: engine, "")


async def test_the_database_store_counts_hits_exactly_in_a_fixed_window(web: Web) -> None:
    """`hit` is what rate limits count with: concurrent hits each get their own count (no
    two read the same one), and an expired window starts again at 1."""
    engine = web.container.engine
    store = DatabaseStore(lambda: engine, "test_hits")
    counts = await asyncio.gather(*(store.hit("caller", 60) for _ in range(20)))
    assert sorted(count for count, _ in counts) == list(range(1, 21))
    assert all(58 <= left <= 60 for _, left in counts)
    assert (await store.hit("someone else", 60))[0] == 1
    assert (await store.hit("short", 1))[0] == 1
    assert (await store.hit("short", 1))[0] == 2
    await asyncio.sleep(1.1)
    count, left = await store.hit("short", 1)
    assert count == 1
    assert left in (0, 1)


async def test_a_store_made_before_the_app_starts_reads_the_apps_engine(web: Web) -> None:
    app: Litestar = web.app
    async with web.client():
        store = app.stores.get("some_store")
        await store.set("k", "v")
        assert await store.get("k") == b"v"


async def test_a_mailing_started_on_one_process_is_followed_on_the_other(
    web: Web, other: Web, demo_study_dir: Path
) -> None:
    """The batch's progress is read from the database, not from the process sending it."""
    account, _ = await facilitator(web)
    async with web.container.session() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await grant_role(s, account.email, "connected-icb", StudyRole.FACILITATOR, actor=OPERATOR)
        emails = await add_experts(s, "connected-icb", 5)
    async with web.client() as first, other.client() as second:
        await sign_in(first, web, account.id)
        token = await form_token(first, "/studies/connected-icb/panel")
        started = await first.post(
            "/studies/connected-icb/invitations",
            data={"scope": "all", "_csrf_token": token},
            follow_redirects=False,
        )
        assert started.status_code in (302, 303), started.text
        mailing = started.headers["location"]
        second.cookies = first.cookies

        async def finished() -> str | None:
            text = (await second.get(mailing + "/progress")).text
            return text if "hx-trigger" not in text else None

        progress = await until(finished)
        assert "5 of 5 sent" in progress
        panel = (await second.get("/studies/connected-icb/panel")).text
        assert "5 of 5 sent" in panel
    assert sorted(m.to for m in web.mailer.sent) == emails


async def test_submissions_through_both_processes_at_once_are_each_stored_once(
    web: Web, other: Web
) -> None:
    """On SQLite the two processes' writers meet at SQLite's write lock (each process
    queues its own); on PostgreSQL at the round's share lock. Every acknowledged fragment
    is stored once, and a retry sent to the other process gets the same fragment back."""
    cast = await cast_of_two_studies(web)
    me = cast.api_headers("expert_a")
    path = "/api/v1/studies/study-a/rounds/1/fragments"

    async def submit(client: Any, n: int, key: str) -> Any:
        body = {"kind": "claim", "text": f"Claim {n}.", "confidence": 3}
        return await client.post(path, json=body, headers={**me, "Idempotency-Key": key})

    async with web.client() as first, other.client() as second:
        sent = await asyncio.gather(
            *(submit(first if n % 2 else second, n, f"k-{n}") for n in range(24))
        )
        retried = await asyncio.gather(
            *(submit(second if n % 2 else first, n, f"k-{n}") for n in range(0, 24, 3))
        )
    assert [r.status_code for r in sent] == [201] * 24
    assert [r.status_code for r in retried] == [200] * 8
    assert [r.json()["id"] for r in retried] == [sent[n].json()["id"] for n in range(0, 24, 3)]
    async with web.container.session() as s:
        ids = list(await s.scalars(select(Fragment.external_id)))
    assert sorted(ids) == sorted(r.json()["id"] for r in sent)
