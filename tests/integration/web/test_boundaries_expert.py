"""Boundaries of the experts' pages and API: for every route, each person gets exactly what
their role allows (another study is indistinguishable from none: 404; a staff role without
the right: 403), no answer carries another study's or another expert's words, another
expert's fragments and drafts do not exist for them (404), and no form or htmx request is
accepted without its CSRF token."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from symphonia.core.actors import Actor
from symphonia.db.models import Fragment, FragmentDraft, Participant, Study
from symphonia.services.contributions import FragmentDraftInput, store_fragment
from symphonia.services.drafts import save_draft
from symphonia.services.principals import actor_for_participant
from symphonia.services.tokens import issue_sign_in_link
from tests.integration.web.conftest import Web, csrf, post_form
from tests.integration.web.people import ROLES, Cast, cast_of_two_studies

OPERATOR = Actor.operator("test")
SECRET_A = "E01 of A says: only study A's panel may read this"
SECRET_B = "E01 of B says: only study B's panel may read this"
DRAFT_A = "E01 of A has not submitted this yet"
Client = AsyncTestClient[Litestar]


@dataclass
class World:
    cast: Cast
    fragment: dict[str, str]
    """Study slug letter -> the id of its E01's fragment."""


async def world_of(web: Web) -> World:
    cast = await cast_of_two_studies(web)
    fragment = {}
    async with web.container.session() as s:
        for slug, words in (("a", SECRET_A), ("b", SECRET_B)):
            actor = await actor_for_participant(s, cast.experts[f"expert_{slug}"])
            draft = FragmentDraftInput("claim", words, 3)
            done = await store_fragment(s, f"study-{slug}", 1, draft, actor=actor)
            fragment[slug] = done.fragment.id
            if slug == "a":
                await save_draft(s, "study-a", 1, "draft-a", {"text": DRAFT_A}, actor=actor)
    return World(cast, fragment)


def page_routes(fragment: str) -> list[tuple[str, str]]:
    base = "/studies/study-a/rounds/1/contribute"
    return [
        ("GET", base),
        ("POST", f"{base}/drafts"),  # before the submission: its key then names a fragment
        ("POST", base),
        ("POST", f"{base}/drafts/some-key/discard"),
        ("GET", f"{base}/{fragment}/edit"),
        ("POST", f"{base}/{fragment}/edit"),
        ("GET", f"{base}/{fragment}/withdraw"),
        ("POST", f"{base}/{fragment}/withdraw"),
    ]


# role -> status of each page route of study A, in page_routes order (302: sent to sign in)
PAGES = {
    "anonymous": [302] * 8,
    "expert_a": [200, 303, 303, 303, 200, 303, 200, 409],  # withdraw: the edit replaced it
    "expert_b": [404] * 8,
    "editor_a": [403] * 8,
    "reader_a": [403] * 8,
    "facilitator_a": [403] * 8,
    "facilitator_b": [404] * 8,
}

FORM = {"kind": "claim", "text": "A fresh fragment.", "confidence": "3", "key": "k-1"}


async def _request(client: Client, method: str, path: str, token: str) -> httpx.Response:
    if method == "GET":
        return await client.get(path, follow_redirects=False)
    data = {**FORM, "_csrf_token": token}
    return await client.post(path, data=data, follow_redirects=False)


@pytest.mark.parametrize("role", ROLES)
async def test_every_page_route_answers_each_role_as_its_role_allows(web: Web, role: str) -> None:
    world = await world_of(web)
    async with world.cast.client(role) as client:
        token = await csrf(client, "/sign-in")
        for (method, path), expected in zip(
            page_routes(world.fragment["a"]), PAGES[role], strict=True
        ):
            answer = await _request(client, method, path, token)
            assert answer.status_code == expected, (role, method, path, answer.text[:300])
            body = answer.text
            assert SECRET_B not in body
            if role != "expert_a":
                assert SECRET_A not in body
                assert DRAFT_A not in body
            if expected == 302:
                assert answer.headers["location"].startswith("/sign-in?next=")


def api_routes(fragment: str) -> list[tuple[str, str]]:
    base = "/api/v1/studies/study-a/rounds/1"
    return [
        ("GET", base),
        ("GET", f"{base}/fragments"),
        ("POST", f"{base}/fragments"),
        ("GET", f"{base}/fragments/{fragment}"),
        ("PUT", f"{base}/fragments/{fragment}"),
        ("DELETE", f"{base}/fragments/{fragment}"),
    ]


API = {
    "anonymous": [401] * 6,
    "expert_a": [200, 200, 201, 200, 200, 409],  # DELETE: the PUT made a newer version
    "expert_b": [404] * 6,
    "editor_a": [200, 403, 403, 403, 403, 403],
    "reader_a": [200, 403, 403, 403, 403, 403],
    "facilitator_a": [200, 403, 403, 403, 403, 403],
    "facilitator_b": [404] * 6,
}
BODY = {"kind": "claim", "text": "A fresh fragment.", "confidence": 3}


@pytest.mark.parametrize("role", ROLES)
async def test_every_api_route_answers_each_role_as_its_role_allows(web: Web, role: str) -> None:
    world = await world_of(web)
    headers = {**world.cast.api_headers(role), "Idempotency-Key": "k-1"}
    async with web.client() as client:
        for (method, path), expected in zip(
            api_routes(world.fragment["a"]), API[role], strict=True
        ):
            body = BODY if method in ("POST", "PUT") else None
            answer = await client.request(method, path, json=body, headers=headers)
            assert answer.status_code == expected, (role, method, path, answer.text[:300])
            assert SECRET_B not in answer.text
            if role != "expert_a":
                assert SECRET_A not in answer.text
                assert DRAFT_A not in answer.text


async def test_a_forged_or_missing_token_is_not_a_caller(web: Web) -> None:
    world = await world_of(web)
    async with web.client() as client:
        for headers in (
            {"Authorization": "Bearer not-a-token"},
            {"Authorization": "Basic dXNlcjpwYXNz"},
            {"Authorization": world.cast.tokens["expert_a"]},
        ):
            answer = await client.get("/api/v1/studies/study-a/rounds/1/fragments", headers=headers)
            assert answer.status_code == 401
        async with world.cast.client("expert_a") as browser:  # a session cookie is no API caller
            answer = await browser.get("/api/v1/studies/study-a/rounds/1/fragments")
            assert answer.status_code == 401


async def _second_expert_of_a(web: Web, cast: Cast) -> Client:
    """A client signed in as E02 of study A (the cast has only E01 per study)."""
    async with web.container.session() as s:
        pid = await s.scalar(
            select(Participant.id)
            .join(Study, Study.id == Participant.study_id)
            .where(Study.slug == "study-a", Participant.pseudonym == "E02")
        )
        await s.commit()
        assert pid is not None
        issued = await issue_sign_in_link(s, participant_id=pid, actor=OPERATOR)
    client = web.client()
    opened = await client.__aenter__()
    path = f"/sign-in/{issued.token}"
    signed = await post_form(opened, path, {}, form_page=path)
    assert signed.status_code in (302, 303)
    return opened


async def test_another_expert_of_the_same_study_cannot_see_or_touch_their_work(web: Web) -> None:
    world = await world_of(web)
    theirs = world.fragment["a"]
    base = "/studies/study-a/rounds/1/contribute"
    e02 = await _second_expert_of_a(web, world.cast)
    try:
        page = await e02.get(base)
        assert page.status_code == 200
        assert SECRET_A not in page.text
        assert DRAFT_A not in page.text
        token = await csrf(e02, base)
        for method, path in (
            ("GET", f"{base}/{theirs}/edit"),
            ("POST", f"{base}/{theirs}/edit"),
            ("GET", f"{base}/{theirs}/withdraw"),
            ("POST", f"{base}/{theirs}/withdraw"),
        ):
            answer = await _request(e02, method, path, token)
            assert answer.status_code == 404, (method, path)
            assert SECRET_A not in answer.text
        # their draft's key names only E02's own drafts: discarding or saving it leaves E01's
        discard = await e02.post(
            f"{base}/drafts/draft-a/discard", data={"_csrf_token": token}, follow_redirects=False
        )
        saved = await e02.post(
            f"{base}/drafts",
            data={"_csrf_token": token, "key": "draft-a", "text": "E02's own words"},
            follow_redirects=False,
        )
        assert (discard.status_code, saved.status_code) == (303, 303)
    finally:
        await e02.__aexit__(None, None, None)
    async with web.container.session() as s:
        drafts = {
            (d.draft_key, d.content.get("text")) for d in await s.scalars(select(FragmentDraft))
        }
        texts = set(await s.scalars(select(Fragment.text)))
    assert ("draft-a", DRAFT_A) in drafts
    assert ("draft-a", "E02's own words") in drafts
    assert texts == {SECRET_A, SECRET_B}  # nothing edited, nothing withdrawn... or added


async def test_no_form_or_htmx_request_is_accepted_without_its_csrf_token(web: Web) -> None:
    world = await world_of(web)
    async with world.cast.client("expert_a") as client:
        await client.get("/studies/study-a/rounds/1/contribute")  # sets the CSRF cookie
        for method, path in page_routes(world.fragment["a"]):
            if method != "POST":
                continue
            plain = await client.post(path, data=FORM, follow_redirects=False)
            htmx = await client.post(
                path, data=FORM, headers={"HX-Request": "true"}, follow_redirects=False
            )
            forged = await client.post(
                path,
                data=FORM,
                headers={"HX-Request": "true", "x-csrftoken": "forged"},
                follow_redirects=False,
            )
            assert (plain.status_code, htmx.status_code, forged.status_code) == (403, 403, 403)
    async with web.container.session() as s:
        texts = set(await s.scalars(select(Fragment.text)))
        drafts = [d.draft_key for d in await s.scalars(select(FragmentDraft))]
    assert texts == {SECRET_A, SECRET_B}
    assert drafts == ["draft-a"]
