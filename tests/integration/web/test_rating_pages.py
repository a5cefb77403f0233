"""An expert's rating round on the web and through the API, on SQLite and PostgreSQL: who
may open and send the rating sheet (a boundary matrix over every role of two studies), the
previous round's feedback on the page, saving the whole form without JavaScript and one
item with htmx, "cannot judge", refusals beside the answer, and nothing changed after the
round closes."""

from __future__ import annotations

import statistics

from symphonia.core.actors import Actor
from symphonia.services.rating_sheet import Answer, rating_sheet
from symphonia.services.rounds import close_round
from tests.integration.rating_rounds import ROUND_2, SLUG, demo_at_round_3, panellist
from tests.integration.web.conftest import Web, csrf, post_form
from tests.integration.web.people import ROLES, cast_of_two_studies
from tests.integration.web.rating import bearer, signed_in

OPERATOR = Actor.operator("test")
PAGE = f"/studies/{SLUG}/rounds/3/rate"

EXPECTED = {
    "anonymous": (302, 401),
    "expert_a": (200, 200),
    "expert_b": (404, 404),
    "editor_a": (403, 403),
    "reader_a": (403, 403),
    "facilitator_a": (403, 403),
    "facilitator_b": (404, 404),
}
"""Role -> (rating page status, rating API status) for study A's rating round 2."""


async def test_only_the_studys_experts_open_and_send_the_rating_sheet(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    page, api = "/studies/study-a/rounds/2/rate", "/api/v1/studies/study-a/rounds/2/ratings"
    for role in ROLES:
        async with cast.client(role) as client:
            got = await client.get(page, follow_redirects=False)
            assert got.status_code == EXPECTED[role][0], (role, got.text[:300])
            if role == "expert_a":
                assert "not open yet" in got.text
                sent = await post_form(client, page, {"score:x": "5"}, form_page=page)
                assert sent.status_code == 409  # a round that has not opened takes nothing
            reply = await client.get(api, headers=cast.api_headers(role))
            assert reply.status_code == EXPECTED[role][1], (role, reply.text[:300])
            put = await client.put(f"{api}/x", json={"score": 5}, headers=cast.api_headers(role))
            assert put.status_code == (409 if role == "expert_a" else EXPECTED[role][1]), role
    async with cast.client("expert_a") as client:
        contribution = await client.get("/studies/study-a/rounds/1/rate")
        assert contribution.status_code == 409
        assert "asks for evidence, not ratings" in contribution.text


async def test_an_expert_rates_with_last_rounds_feedback(web: Web) -> None:
    async with web.container.session() as s:
        await demo_at_round_3(s)
        e01 = await panellist(s, "E01")
    given = [r.score for r in ROUND_2 if r.item == "s01"]
    q1, median, q3 = statistics.quantiles(given, n=4, method="inclusive")
    own = next(r.score for r in ROUND_2 if r.item == "s01" and r.rater == "E01")
    async with signed_in(web, participant=e01.participant_id) as client:
        study_page = await client.get(f"/studies/{SLUG}")
        assert PAGE in study_page.text
        shown = await client.get(PAGE)
        assert shown.status_code == 200
        assert f"median {median:g}, interquartile range {q1:g}–{q3:g}" in shown.text
        assert f"<strong>You:</strong> {own}" in shown.text
        assert "<svg" in shown.text
        fields = {"score:s01": "6", "comment:s01": "Legal basis first", "score:s02": "cannot_judge"}
        saved = await post_form(client, PAGE, fields, form_page=PAGE)
        assert saved.status_code == 303
        assert "2 answers saved" in (await client.get(saved.headers["location"])).text
        token = await csrf(client, PAGE)
        one = await client.post(
            f"{PAGE}/items/s03",
            data={"score:s03": "8", "score:s04": "1", "_csrf_token": token},
            headers={"hx-request": "true"},
        )
        assert one.status_code == 200
        assert "Saved at" in one.text
        wrong = await post_form(client, PAGE, {"comment:s05": "why"}, form_page=PAGE)
        assert wrong.status_code == 422
        assert "<title>Error:" in wrong.text
        assert "so that your comment is saved" in wrong.text
        async with web.container.session() as s:
            sheet = await rating_sheet(s, SLUG, 3, actor=e01)
        mine = {i.id: i.mine for i in sheet.items if i.mine}
        assert mine == {  # s04 was not the item saved: only s03's fields were read
            "s01": Answer(6, "Legal basis first"),
            "s02": Answer(None),
            "s03": Answer(8),
        }
        headers = await bearer(web, participant=e01.participant_id)
        api = f"/api/v1/studies/{SLUG}/rounds/3/ratings"
        read = (await client.get(api, headers=headers)).json()
        first = read["items"][0]
        assert (first["id"], first["mine"]["score"]) == ("s01", 6)
        assert first["feedback"]["panel"]["median"] == median
        put = await client.put(f"{api}/s04", json={"cannot_judge": True}, headers=headers)
        assert put.status_code == 200
        assert put.json()["mine"] == {"score": None, "comment": None}
        both = await client.put(
            f"{api}/s04", json={"cannot_judge": True, "score": 3}, headers=headers
        )
        assert both.status_code == 422
        async with web.container.session() as s:
            await close_round(s, SLUG, 3, actor=OPERATOR)
        late = await post_form(client, PAGE, {"score:s01": "2"}, form_page=PAGE)
        assert late.status_code == 409
        assert "is closed; ratings can only be given or changed while it is open" in late.text
        closed = await client.get(PAGE)
        assert "can no longer be changed" in closed.text
        assert 'name="score:s01"' not in closed.text
