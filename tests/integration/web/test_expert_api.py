"""The experts' API: submissions safe to retry (Idempotency-Key), one's own fragments listed,
revised and withdrawn, every refused input a 422 naming its fields, the schema describing
the models, and a rate limit per caller."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from symphonia.core.actors import Actor
from symphonia.core.fragments import KIND_EXPLANATIONS, FragmentKind
from symphonia.db.models import Fragment
from symphonia.services.rounds import close_round
from symphonia.web import limits
from tests.integration.web.conftest import Web
from tests.integration.web.people import cast_of_two_studies

ROUND = "/api/v1/studies/study-a/rounds/1"
FRAGMENTS = f"{ROUND}/fragments"
OPERATOR = Actor.operator("test")
CLAIM = {"kind": "claim", "text": "Shared records cut repeat tests.", "confidence": 4}


async def stored(web: Web) -> int:
    async with web.container.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Fragment)) or 0)


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_a_submission_is_stored_once_per_key(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    me = cast.api_headers("expert_a")
    async with web.client() as client:
        first = await client.post(FRAGMENTS, json=CLAIM, headers=keyed(me, "k-1"))
        again = await client.post(FRAGMENTS, json=CLAIM, headers=keyed(me, "k-1"))
        other = await client.post(
            FRAGMENTS, json={**CLAIM, "text": "Something else."}, headers=keyed(me, "k-1")
        )
        new = await client.post(FRAGMENTS, json=CLAIM, headers=keyed(me, "k-2"))
        located = await client.get(first.headers["location"], headers=me)
    assert (first.status_code, again.status_code, other.status_code, new.status_code) == (
        201,
        200,
        409,
        201,
    )
    body = first.json()
    assert body["id"].startswith("E01-")
    assert body["author"] == "E01"
    assert (body["state"], body["versions"], body["sources"]) == ("submitted", 1, [])
    assert first.headers["location"] == f"{FRAGMENTS}/{body['id']}"
    assert again.json() == body == located.json()
    assert other.headers["x-symphonia-error"] == "idempotency_key_reused"
    assert new.json()["id"] != body["id"]
    assert await stored(web) == 2


async def test_every_refused_input_is_a_422_naming_its_fields(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    me = cast.api_headers("expert_a")
    bad: list[tuple[Any, dict[str, str], list[tuple[str, str]]]] = [
        (CLAIM, me, [("header", "Idempotency-Key")]),
        ({**CLAIM, "colour": "red"}, keyed(me, "a"), [("body", "colour")]),
        ({"text": "no kind"}, keyed(me, "b"), [("body", "kind")]),
        ({**CLAIM, "confidence": "high"}, keyed(me, "c"), [("body", "confidence")]),
        ({**CLAIM, "id": "f1"}, keyed(me, "d"), [("body", "id")]),
        (
            {"kind": "opinion", "text": " ", "confidence": 0, "sources": ["x" * 501]},
            keyed(me, "e"),
            [("body", "kind"), ("body", "text"), ("body", "confidence"), ("body", "sources[0]")],
        ),
        (
            {**CLAIM, "author": "E02", "group": "par"},
            keyed(me, "f"),
            [("body", "author"), ("body", "group")],
        ),
    ]
    async with web.client() as client:
        for body, headers, expected in bad:
            refused = await client.post(FRAGMENTS, json=body, headers=headers)
            assert refused.status_code == 422, (body, refused.text)
            problems = refused.json()["problems"]
            assert [(p["location"], p["field"]) for p in problems] == expected, problems
            assert all(p["reason"] for p in problems)
        garbled = await client.post(
            FRAGMENTS,
            content=b"{not json",
            headers={**keyed(me, "g"), "content-type": "application/json"},
        )
        assert garbled.status_code == 422
        assert garbled.json()["problems"][0]["location"] == "body"
        mine = await client.post(
            FRAGMENTS, json={**CLAIM, "author": "E01", "group": "clin"}, headers=keyed(me, "h")
        )
        assert mine.status_code == 201  # naming oneself is fine
    assert await stored(web) == 1


async def test_my_fragments_are_listed_revised_and_withdrawn(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    me = cast.api_headers("expert_a")
    async with web.client() as client:
        first = (await client.post(FRAGMENTS, json=CLAIM, headers=keyed(me, "1"))).json()
        dropped = (
            await client.post(FRAGMENTS, json={**CLAIM, "kind": "barrier"}, headers=keyed(me, "2"))
        ).json()
        changed = {
            **CLAIM,
            "text": "Shared records cut repeat tests by a third.",
            "id": first["id"],
        }
        revised = await client.put(f"{FRAGMENTS}/{first['id']}", json=changed, headers=me)
        repeated = await client.put(f"{FRAGMENTS}/{first['id']}", json=changed, headers=me)
        wrong_id = await client.put(
            f"{FRAGMENTS}/{first['id']}", json={**changed, "id": dropped["id"]}, headers=me
        )
        gone = await client.delete(f"{FRAGMENTS}/{dropped['id']}?reason=duplicate", headers=me)
        gone_again = await client.delete(f"{FRAGMENTS}/{dropped['id']}", headers=me)
        stale = await client.delete(f"{FRAGMENTS}/{first['id']}", headers=me)
        listed = (await client.get(FRAGMENTS, headers=me)).json()["fragments"]
        old = (await client.get(f"{FRAGMENTS}/{first['id']}", headers=me)).json()
    new = revised.json()
    assert revised.status_code == repeated.status_code == 200
    assert repeated.json() == new  # the same revision again stores nothing new
    assert revised.headers["content-location"] == f"{FRAGMENTS}/{new['id']}"
    assert (new["state"], new["supersedes"], new["versions"]) == ("edited", first["id"], 2)
    assert wrong_id.status_code == 422
    assert gone.status_code == gone_again.status_code == 204
    assert stale.status_code == 409
    assert stale.headers["x-symphonia-error"] == "fragment_superseded"
    assert [(f["id"], f["state"]) for f in listed] == [
        (new["id"], "edited"),
        (dropped["id"], "withdrawn"),
    ]
    assert (old["state"], old["superseded_by"]) == ("superseded", new["id"])
    assert await stored(web) == 3


async def test_a_round_reads_the_same_for_everyone_in_the_study(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with web.client() as client:
        seen = [
            (await client.get(ROUND, headers=cast.api_headers(role))).json()
            for role in ("expert_a", "reader_a", "facilitator_a")
        ]
    assert seen[0] == seen[1] == seen[2]
    body = seen[0]
    assert (body["study"], body["number"], body["kind"], body["status"]) == (
        "study-a",
        1,
        "contribute",
        "open",
    )
    assert body["accepting_fragments"] is True
    assert [(k["kind"], k["explanation"]) for k in body["fragment_kinds"]] == [
        (k.value, KIND_EXPLANATIONS[k]) for k in FragmentKind
    ]


async def test_a_closed_round_refuses_changes_with_409(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    me = cast.api_headers("expert_a")
    async with web.client() as client:
        first = (await client.post(FRAGMENTS, json=CLAIM, headers=keyed(me, "1"))).json()
        async with web.container.session() as s:
            await close_round(s, "study-a", 1, actor=OPERATOR)
        refused = [
            await client.post(FRAGMENTS, json=CLAIM, headers=keyed(me, "2")),
            await client.put(f"{FRAGMENTS}/{first['id']}", json=CLAIM, headers=me),
            await client.delete(f"{FRAGMENTS}/{first['id']}", headers=me),
        ]
        round_now = (await client.get(ROUND, headers=me)).json()
        listed = (await client.get(FRAGMENTS, headers=me)).json()["fragments"]
    assert [r.status_code for r in refused] == [409, 409, 409]
    assert {r.headers["x-symphonia-error"] for r in refused} == {"round_not_open"}
    assert (round_now["status"], round_now["accepting_fragments"]) == ("closed", False)
    assert [f["id"] for f in listed] == [first["id"]]


async def test_the_schema_describes_the_experts_api(web: Web) -> None:
    async with web.client() as client:
        schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    base = "/api/v1/studies/{study}/rounds/{number}"
    assert set(paths[f"{base}/fragments"]) == {"get", "post"}
    assert set(paths[f"{base}/fragments/{{fragment_id}}"]) == {"get", "put", "delete"}
    post = paths[f"{base}/fragments"]["post"]
    assert {"200", "201", "409", "422"} <= set(post["responses"])
    header = next(p for p in post["parameters"] if p["in"] == "header")
    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
    models = schema["components"]["schemas"]
    fragment_in = models["FragmentIn"]["properties"]
    assert fragment_in["kind"]["enum"] == [k.value for k in FragmentKind]
    assert all(KIND_EXPLANATIONS[k] in fragment_in["kind"]["description"] for k in FragmentKind)
    assert all(fragment_in[name].get("description") for name in ("text", "author", "id"))
    assert {"FragmentOut", "FragmentList", "RoundOut", "Refusal"} <= set(models)


async def test_submissions_are_rate_limited_per_caller(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    allowed = limits.SUBMIT.rate_limit[1]
    async with web.client() as client:
        for n in range(1, allowed + 1):  # refused inputs count too: the limit is on requests
            answer = await client.post(FRAGMENTS, json={}, headers=cast.api_headers("expert_a"))
            assert answer.status_code == 422
            assert answer.headers["RateLimit-Remaining"] == str(allowed - n)
            assert answer.headers["RateLimit-Limit"] == str(allowed)
        limited = await client.post(FRAGMENTS, json={}, headers=cast.api_headers("expert_a"))
        others = await client.post(FRAGMENTS, json={}, headers=cast.api_headers("expert_b"))
        reading = await client.get(FRAGMENTS, headers=cast.api_headers("expert_a"))
    assert limited.status_code == 429
    assert limited.headers["RateLimit-Remaining"] == "0"
    assert 0 <= int(limited.headers["RateLimit-Reset"]) <= 60
    assert others.status_code == 422  # another caller has their own allowance
    assert reading.status_code == 200  # only changes are limited
