"""The prioritisation matrix (issue 13 §2) on the web and through the API, on SQLite and
PostgreSQL, with the prioritisation demo at its open round 2: the same cells sent through
the page without JavaScript, with htmx item by item, through the API and as a file end up as
the same stored rows; the previous round's feedback per item and criterion equals figures
computed here from the demo's file; only the study's experts score, and not once the round
has closed."""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict

from sqlalchemy import select

from symphonia.core.actors import StudyRole
from symphonia.db.models import Participant, PriorityItem, Round, Study
from symphonia.db.models import PriorityScore as ScoreRow
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.priority_scores import import_priority_scores
from symphonia.services.rounds import close_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file
from tests.conftest import DEMO_STUDY
from tests.integration.priority_rounds import OPERATOR, SLUG, demo_scores, priorities_at_round_2
from tests.integration.web.conftest import Web, csrf, post_form
from tests.integration.web.rating import bearer, signed_in

PAGE = f"/studies/{SLUG}/rounds/2/rate"
API = f"/api/v1/studies/{SLUG}/rounds/2/scores"
Cell = tuple[str, str, int | None]


def shown(score: int | None) -> str:
    return "cannot_judge" if score is None else str(score)


async def participants(web: Web, slug: str = SLUG) -> dict[str, uuid.UUID]:
    async with web.container.session() as s:
        rows = await s.execute(
            select(Participant.pseudonym, Participant.id)
            .join(Study, Study.id == Participant.study_id)
            .where(Study.slug == slug)
        )
        return {p: i for p, i in rows.all()}


async def stored_round_2(web: Web) -> dict[str, set[Cell]]:
    """pseudonym → the (item, criterion, score) cells stored for round 2."""
    async with web.container.session() as s:
        rows = await s.execute(
            select(
                Participant.pseudonym, PriorityItem.external_id, ScoreRow.criterion, ScoreRow.score
            )
            .join(Participant, Participant.id == ScoreRow.rater_id)
            .join(PriorityItem, PriorityItem.id == ScoreRow.item_id)
            .join(Round, Round.id == ScoreRow.round_id)
            .where(Round.number == 2)
        )
        out: dict[str, set[Cell]] = defaultdict(set)
        for who, item, criterion, score in rows.all():
            out[who].add((item, criterion, score))
        return dict(out)


def figures(scores: list[int | None]) -> str:
    """The cell's feedback line as the page words it, computed here (R's type 7 quartiles)."""
    given = [s for s in scores if s is not None]
    q1, median, q3 = statistics.quantiles(given, n=4, method="inclusive")
    cannot = len(scores) - len(given)
    judge = f", {cannot} cannot judge" if cannot else ""
    return f"median {median:g}, IQR {q1:g}–{q3:g} ({len(given)}{judge})"


async def test_page_htmx_api_and_file_store_the_same_rows(web: Web) -> None:
    definition = await priorities_at_round_2(web.container.sessions)
    people = await participants(web)
    cells = [s for s in demo_scores(definition, 2) if s.rater == "E01"]
    assert len(cells) == 60
    assert any(c.score is None for c in cells)
    expected = {(c.item, c.criterion, c.score) for c in cells}
    by_item: dict[str, dict[str, int | None]] = defaultdict(dict)
    for c in cells:
        by_item[c.item][c.criterion] = c.score
    fields = {f"score:{c.item}:{c.criterion}": shown(c.score) for c in cells}

    async with web.container.session() as s:  # E01: the file path
        await import_priority_scores(s, SLUG, 2, cells, "round2-scores.jsonl", actor=OPERATOR)
    async with signed_in(web, participant=people["E02"]) as client:  # the whole form
        saved = await post_form(client, PAGE, fields, form_page=PAGE)
        assert saved.status_code == 303, saved.text[:500]
        assert saved.headers["location"] == f"{PAGE}?saved=60"
        assert "60 answers saved" in (await client.get(saved.headers["location"])).text
    async with signed_in(web, participant=people["E03"]) as client:  # htmx, item by item
        token = await csrf(client, PAGE)
        for item in by_item:  # htmx sends the whole form; the item's endpoint reads its row
            one = await client.post(
                f"{PAGE}/items/{item}",
                data={**fields, "_csrf_token": token},
                headers={"hx-request": "true"},
            )
            assert one.status_code == 200
            assert "Saved at" in one.text, one.text
    headers = await bearer(web, participant=people["E04"])
    async with web.client() as client:  # the API, item by item
        for item, scores in by_item.items():
            put = await client.put(f"{API}/{item}", json={"scores": scores}, headers=headers)
            assert put.status_code == 200, put.text
            assert put.json() == {"item": item, "scores": scores}
    stored = await stored_round_2(web)
    assert set(stored) == {"E01", "E02", "E03", "E04"}
    for who, got in stored.items():
        assert got == expected, who


async def test_last_rounds_feedback_per_item_and_criterion(web: Web) -> None:
    definition = await priorities_at_round_2(web.container.sessions)
    people = await participants(web)
    before: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    mine: dict[tuple[str, str], int | None] = {}
    for score in demo_scores(definition, 1):
        before[(score.item, score.criterion)].append(score.score)
        if score.rater == "E12":
            mine[(score.item, score.criterion)] = score.score
    async with signed_in(web, participant=people["E12"]) as client:
        page = (await client.get(PAGE)).text
        headers = await bearer(web, participant=people["E12"])
        sheet = (await client.get(API, headers=headers)).json()
    assert sheet["previous_round"] == 1
    for (item, criterion), scores in before.items():
        own = mine[(item, criterion)]
        you = "cannot judge" if own is None else str(own)
        assert f"Round 1: {figures(scores)}. You: {you}." in page, (item, criterion)
        fb = sheet["feedback"][item][criterion]
        given = [s for s in scores if s is not None]
        assert [fb["q1"], fb["median"], fb["q3"]] == statistics.quantiles(
            given, n=4, method="inclusive"
        )
        assert fb["cannot_judge"] == len(scores) - len(given)
        assert dict(map(tuple, fb["counts"])) == {p: given.count(p) for p in range(1, 10)}
        assert sheet["my_previous"][item][criterion] == own
    assert len(before) == 12 * 5
    assert page.count('class="app-chart__svg"') == 12 * 5


ROLES = {
    "facilitator": StudyRole.FACILITATOR,
    "editor": StudyRole.EDITOR,
    "reader": StudyRole.READER,
}


async def test_only_the_studys_experts_score_and_only_while_open(web: Web) -> None:
    await priorities_at_round_2(web.container.sessions)
    people = await participants(web)
    accounts: dict[str, uuid.UUID] = {}
    async with web.container.session() as s:
        await load_study(s, read_study_file(DEMO_STUDY), actor=OPERATOR)  # another study
        for name, role in ROLES.items():
            account = await create_account(s, f"{name}@example.org", actor=OPERATOR)
            await grant_role(s, f"{name}@example.org", SLUG, role, actor=OPERATOR)
            accounts[name] = account.id
    elsewhere = (await participants(web, "connected-icb"))["E01"]
    cell = {"score:passport:impact": "5"}
    who = [(name, {"account": a}, 403) for name, a in accounts.items()]
    who.append(("expert of another study", {"participant": elsewhere}, 404))
    for name, principal, status in who:
        headers = await bearer(web, **principal)
        async with signed_in(web, **principal) as client:
            got = await client.get(PAGE)
            assert got.status_code == status, (name, got.text[:300])
            token = await csrf(client, "/studies")
            sent = await client.post(PAGE, data={**cell, "_csrf_token": token})
            assert sent.status_code == status, name
            htmx = await client.post(
                f"{PAGE}/items/passport",
                data={**cell, "_csrf_token": token},
                headers={"hx-request": "true"},
            )
            assert htmx.status_code == status, name  # refused, not a "Not saved" note
            api = await client.get(API, headers=headers)
            assert api.status_code == status, name
            put = await client.put(
                f"{API}/passport", json={"scores": {"impact": 5}}, headers=headers
            )
            assert put.status_code == status, name
    async with web.client() as anonymous:
        assert (await anonymous.get(PAGE, follow_redirects=False)).status_code in (302, 303)
        assert (await anonymous.get(API)).status_code == 401
    assert await stored_round_2(web) == {}

    e05 = people["E05"]
    headers = await bearer(web, participant=e05)
    async with signed_in(web, participant=e05) as client:
        async with web.container.session() as s:
            await close_round(s, SLUG, 2, actor=OPERATOR)
        late = await post_form(client, PAGE, cell, form_page=PAGE)
        assert late.status_code == 409
        assert "is closed; scores can only be given or changed in an open round" in late.text
        token = await csrf(client, PAGE)
        htmx = await client.post(
            f"{PAGE}/items/passport",
            data={**cell, "_csrf_token": token},
            headers={"hx-request": "true"},
        )
        assert "Not saved" in htmx.text
        assert "is closed" in htmx.text
        put = await client.put(f"{API}/passport", json={"scores": {"impact": 5}}, headers=headers)
        assert put.status_code == 409
        closed = (await client.get(PAGE)).text
        assert "can no longer be changed" in closed
        assert "<select" not in closed
    assert await stored_round_2(web) == {}
