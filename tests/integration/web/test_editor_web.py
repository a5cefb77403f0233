"""The editor's workspace and API on both databases: edits with and without htmx, the
conflict page that keeps what the editor typed, approval and publication, and who may do
what (editors of study A only; experts and readers change nothing)."""

from __future__ import annotations

import html
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.web.conftest import Web, csrf
from tests.integration.web.editing import analysed_cast, revision_on
from tests.integration.web.people import Cast

DRAFT = "/studies/study-a/rounds/1/draft"
API = "/api/v1/studies/study-a/rounds/1/draft"


@pytest.fixture
async def cast(web: Web) -> Cast:
    return await analysed_cast(web)


async def _first(client: AsyncTestClient[Litestar]) -> tuple[str, str, int]:
    """The first statement's key, text and revision, from the API's twin: the page."""
    page = await client.get(DRAFT)
    assert page.status_code == 200, page.text
    key = page.text.split('id="st-', 1)[1].split('"', 1)[0]
    statement = await client.get(f"{DRAFT}/statements/{key}")
    text = html.unescape(
        statement.text.split('name="text"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    )
    return key, text, revision_on(statement.text)


async def _post(
    client: AsyncTestClient[Litestar], path: str, fields: dict[str, str], **headers: str
) -> httpx.Response:
    token = await csrf(client, DRAFT)
    return await client.post(
        path,
        data={**fields, "_csrf_token": token},
        headers={k.replace("_", "-"): v for k, v in headers.items()},
        follow_redirects=False,
    )


async def _edit(
    client: AsyncTestClient[Litestar],
    key: str,
    revision: int,
    text: str,
    reason: str,
    *,
    htmx: bool = False,
) -> httpx.Response:
    fields = {"action": "edit", "revision": str(revision), "text": text, "reason": reason}
    headers = {"hx_request": "true"} if htmx else {}
    return await _post(client, f"{DRAFT}/statements/{key}", fields, **headers)


async def test_the_workspace_shows_statements_beside_their_evidence(cast: Cast) -> None:
    async with cast.client("editor_a") as client:
        study = await client.get("/studies/study-a")
        page = await client.get(DRAFT)
    assert f'href="{DRAFT}"' in study.text
    assert page.status_code == 200
    assert "Evidence cited" in page.text
    assert "E01" in page.text  # the contributors' pseudonyms
    assert "Guard: passes" in page.text
    assert "Dissent ledger" in page.text
    assert "Approve version 1" in page.text


async def test_an_edit_without_javascript_then_with_htmx(cast: Cast) -> None:
    async with cast.client("editor_a") as client:
        key, text, revision = await _first(client)
        done = await _edit(client, key, revision, text + " Plainly.", "plainer")
        assert done.status_code == 303
        assert done.headers["location"] == f"{DRAFT}#st-{key}"
        page = await client.get(DRAFT)
        assert "plainer" in page.text
        assert "{+Plainly.+}" in html.unescape(page.text)
        answer = await _edit(client, key, revision + 1, text + " Again.", "again", htmx=True)
    assert answer.status_code == 200
    body = answer.text
    assert body.lstrip().startswith('<section class="app-statement')
    assert f"revision {revision + 2}" in body
    assert "Again." in body
    assert 'id="draft-summary" hx-swap-oob="true"' in body  # the approve button follows
    assert 'name="version" value="3"' in body


async def test_a_stale_edit_shows_both_texts_and_keeps_what_was_typed(cast: Cast) -> None:
    async with cast.client("editor_a") as client:
        key, _text, revision = await _first(client)
        first = await _edit(client, key, revision, "Theirs.", "one")
        assert first.status_code == 303
        stale = await _edit(client, key, revision, "Mine, typed with care.", "two")
        assert stale.status_code == 409
        body = stale.text
        assert "Another editor changed this statement first" in body
        assert "Theirs." in body
        assert body.count("Mine, typed with care.") >= 2  # beside theirs, and in the form
        assert revision_on(body) == revision + 1  # sending it again replaces theirs knowingly
        htmx = await _edit(client, key, revision, "Mine again.", "3", htmx=True)
    assert htmx.status_code == 200
    assert "Another editor changed this statement" in htmx.text
    assert "Mine again." in htmx.text


async def test_a_refused_edit_keeps_the_input_and_names_the_field(cast: Cast) -> None:
    async with cast.client("editor_a") as client:
        key, _text, revision = await _first(client)
        refused = await _edit(client, key, revision, "Kept text", "")
    assert refused.status_code == 400
    assert "<title>Error: " in refused.text
    assert "Kept text" in refused.text
    assert 'id="reason-error"' in refused.text


async def test_approval_and_publication_through_the_api(cast: Cast) -> None:
    async with cast.client("editor_a") as client:
        draft = (await client.get(API, headers=cast.api_headers("editor_a"))).json()
        st = draft["statements"][0]
        made = await client.post(
            f"{API}/amendments",
            headers=cast.api_headers("editor_a"),
            json={
                "action": "edit",
                "statement": st["key"],
                "revisions": {st["key"]: st["revision"]},
                "text": "Everyone wants more money for IT.",
                "reason": "shorter",
            },
        )
        assert made.status_code == 201, made.text
        assert made.json()["flagged"] == [st["key"]]
        stale = await client.post(
            f"{API}/amendments",
            headers=cast.api_headers("editor_a"),
            json={
                "action": "edit",
                "statement": st["key"],
                "revisions": {st["key"]: st["revision"]},
                "text": "Another.",
                "reason": "late",
            },
        )
        assert stale.status_code == 409
        assert stale.json()["current_text"] == "Everyone wants more money for IT."
        version = made.json()["version"]
        refused = await client.post(
            f"{API}/approve", headers=cast.api_headers("editor_a"), json={"version": version}
        )
        assert refused.status_code == 409
        draft = (await client.get(API, headers=cast.api_headers("editor_a"))).json()
        for key in draft["unanswered"]:
            revision = next(s["revision"] for s in draft["statements"] if s["key"] == key)
            kept = await client.post(
                f"{API}/amendments",
                headers=cast.api_headers("editor_a"),
                json={
                    "action": "accept_flag",
                    "statement": key,
                    "revisions": {key: revision},
                    "reason": "checked",
                },
            )
            assert kept.status_code == 201, kept.text
            version = kept.json()["version"]
        approved = await client.post(
            f"{API}/approve", headers=cast.api_headers("editor_a"), json={"version": version}
        )
        assert approved.status_code == 200, approved.text
        denied = await client.post(
            f"{API}/publish", headers=cast.api_headers("editor_a"), json={"version": version}
        )
        assert denied.status_code == 403
        published = await client.post(
            f"{API}/publish", headers=cast.api_headers("facilitator_a"), json={"version": version}
        )
        assert published.status_code == 200, published.text


@pytest.mark.parametrize(
    ("role", "status"),
    [("expert_a", 403), ("reader_a", 403), ("expert_b", 404), ("facilitator_b", 404)],
)
async def test_who_may_not_read_or_change_the_draft(cast: Cast, role: str, status: int) -> None:
    async with cast.client(role) as client:
        page = await client.get(DRAFT)
        assert page.status_code == status
        api = await client.get(API, headers=cast.api_headers(role))
        assert api.status_code == status
        change = await client.post(
            f"{API}/amendments",
            headers=cast.api_headers(role),
            json={
                "action": "remove",
                "statement": "x",
                "revisions": {"x": 1},
                "reason": "r",
            },
        )
        assert change.status_code == status
        approve = await client.post(
            f"{API}/approve", headers=cast.api_headers(role), json={"version": 1}
        )
        assert approve.status_code == status
        assert "Statement" not in page.text
    async with cast.client("editor_a") as client:  # study B's draft stays out of A's editor's reach
        other = await client.get("/studies/study-b/rounds/1/draft")
        assert other.status_code == 404
        assert (await client.get(API)).status_code == 401  # the API reads no cookie


async def _statements(client: AsyncTestClient[Litestar], cast: Cast) -> list[dict[str, Any]]:
    draft = (await client.get(API, headers=cast.api_headers("editor_a"))).json()
    statements: list[dict[str, Any]] = draft["statements"]
    return statements


async def test_every_change_from_its_form(cast: Cast) -> None:
    """Each of the statement page's forms, posted as a browser without JavaScript would."""
    async with cast.client("editor_a") as client:
        first, second, *_ = await _statements(client, cast)
        key, other = first["key"], second["key"]
        fragment = first["citations"][0]["id"]
        page = await client.get(f"{DRAFT}/statements/{key}?action=merge")
        assert f'value="{other}@{second["revision"]}"' in page.text

        async def change(action: str, target: str | None = None, **fields: str) -> None:
            now = {s["key"]: s for s in await _statements(client, cast)}
            path = f"{DRAFT}/add" if target is None else f"{DRAFT}/statements/{target}"
            if target is not None:
                fields["revision"] = str(now[target]["revision"])
            answer = await _post(client, path, {"action": action, "reason": action, **fields})
            assert answer.status_code == 303, answer.text

        await change("reclassify", key, section="gap")
        await change("cite", key, add=" ".join(c["id"] for c in second["citations"]))
        await change(
            "split",
            key,
            part1="First half.",
            part1_citations=fragment,
            part2="Second half.",
            part2_citations=fragment,
        )
        now = {s["key"]: s for s in await _statements(client, cast)}
        await change("merge", key, other=f"{other}@{now[other]['revision']}", text="Both, merged.")
        await change("add", None, section="action", theme="", text="Fund it.", add=fragment)
        added = next(s for s in await _statements(client, cast) if s["text"] == "Fund it.")
        await change("remove", added["key"])
        final = {s["key"]: s for s in await _statements(client, cast)}
        draft = (await client.get(API, headers=cast.api_headers("editor_a"))).json()
    assert final[key]["section"] == "gap"
    assert final[key]["text"] == "Both, merged."
    assert other not in final
    assert added["key"] not in final
    assert [a["action"] for a in draft["amendments"]] == [
        "remove",
        "add",
        "merge",
        "split",
        "cite",
        "reclassify",
    ]
    assert draft["ledger"][-1]["subject"] == added["key"]


async def test_the_api_is_in_the_openapi_schema(cast: Cast) -> None:
    async with cast.client("anonymous") as client:
        schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert "/api/v1/studies/{study}/rounds/{number}/draft/amendments" in paths
    assert "AmendmentIn" in schema["components"]["schemas"]
    assert "StaleOut" in str(paths["/api/v1/studies/{study}/rounds/{number}/draft/amendments"])
