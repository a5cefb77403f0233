"""An expert's round in the browser (through the app, without a browser): the question and
the form, autosaved drafts that outlive the session, one fragment per double submit, errors
beside their fields, edits and withdrawals kept as history, and a closed round that takes
nothing and loses nothing."""

from __future__ import annotations

import html
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from symphonia.core.actors import Actor
from symphonia.core.fragments import CONFIDENCE_LABELS, KIND_EXPLANATIONS, KIND_LABELS
from symphonia.db.models import Fragment, FragmentDraft
from symphonia.services.rounds import close_round
from tests.integration.web.conftest import Web, csrf
from tests.integration.web.people import Cast, cast_of_two_studies

ROUND = "/studies/study-a/rounds/1/contribute"
OPERATOR = Actor.operator("test")
Client = AsyncTestClient[Litestar]


def form_key(page: str) -> str:
    found = re.search(r'name="key" value="([^"]+)"', page)
    assert found is not None, "no fragment form on the page"
    return found.group(1)


def text_of(page: str) -> str:
    """The page's words, without markup, for asserting what a reader sees."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def fields(client: Client, **values: str) -> dict[str, str]:
    page = (await client.get(ROUND)).text
    return {"_csrf_token": await csrf(client, ROUND), "key": form_key(page), **values}


CLAIM = {"kind": "claim", "text": "Shared records cut repeat tests.", "confidence": "4"}


async def count(web: Web, model: type) -> int:
    async with web.container.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_round_page_asks_the_question_and_explains_every_kind(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        page = await client.get(ROUND)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "What should study-a do first?" in words
    assert "You take part as E01 (Clinicians)" in words
    for kind, label in KIND_LABELS.items():
        assert f"{label} {KIND_EXPLANATIONS[kind]}" in words
    for n, label in CONFIDENCE_LABELS.items():
        assert f"{n}: {label}" in words
    assert "You have not submitted a fragment in this round yet" in words
    assert 'hx-post="/studies/study-a/rounds/1/contribute/drafts"' in page.text
    assert 'formaction="/studies/study-a/rounds/1/contribute/drafts"' in page.text  # no-JS save


async def test_an_autosaved_draft_is_found_again_after_the_browser_closed(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        typed = await fields(client, kind="barrier", text="Consent rules differ", sources="x")
        saved = await client.post(f"{ROUND}/drafts", data=typed, headers={"HX-Request": "true"})
        assert saved.status_code == 200
        assert re.fullmatch(r"\s*Draft saved at \d\d:\d\d UTC\s*", saved.text)
    async with cast.client("expert_a") as client:  # a new browser, signed in afresh
        page = (await client.get(ROUND)).text
    assert form_key(page) == typed["key"]
    assert ">Consent rules differ</textarea>" in page
    assert 'value="barrier" checked' in page
    assert re.search(r"Draft saved at \d\d:\d\d UTC", page)


async def test_save_draft_works_without_javascript(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        typed = await fields(client, text="Half a thought")
        saved = await client.post(f"{ROUND}/drafts", data=typed, follow_redirects=False)
        assert saved.status_code == 303
        back = await client.get(saved.headers["location"])
    assert "Your draft was saved" in text_of(back.text)
    assert form_key(back.text) == typed["key"]
    assert ">Half a thought</textarea>" in back.text


async def test_a_double_submit_stores_one_fragment_and_its_draft_goes(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        typed = await fields(client, **CLAIM, sources="doi:10/x\n\nhttps://example.org/r")
        await client.post(f"{ROUND}/drafts", data=typed, headers={"HX-Request": "true"})
        first = await client.post(ROUND, data=typed, follow_redirects=False)
        second = await client.post(ROUND, data=typed, follow_redirects=False)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        page = await client.get(first.headers["location"])
        late = await client.post(f"{ROUND}/drafts", data=typed, headers={"HX-Request": "true"})
    assert await count(web, Fragment) == 1
    assert await count(web, FragmentDraft) == 0
    assert "Draft not saved" in late.text  # an autosave still in flight revives nothing
    words = text_of(page.text)
    assert re.search(r"Your fragment E01-[0-9a-f]{8} was submitted", words)
    assert "Shared records cut repeat tests." in words
    assert "4: Confident" in words
    assert "doi:10/x" in words
    assert "https://example.org/r" in words
    assert form_key(page.text) != typed["key"]  # a fresh form for the next fragment


async def test_a_refused_form_keeps_what_was_typed_and_links_each_error(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        typed = await fields(client, kind="", text="", confidence="", sources="s" * 501)
        refused = await client.post(ROUND, data=typed)
    assert refused.status_code == 422
    assert "<title>Error: Round 1: contribute evidence" in refused.text
    summary = re.findall(r'<li><a href="#([a-z]+)">([^<]+)</a></li>', refused.text)
    assert summary == [
        ("kind", "Select the kind of evidence this is"),
        ("text", "Enter your fragment"),
        ("confidence", "Select how confident you are"),
        ("sources", "Source 1 is 501 characters long; the limit is 500"),
    ]
    for name, _ in summary:  # each link lands on its field
        assert f'id="{name}"' in refused.text
    assert form_key(refused.text) == typed["key"]
    assert "s" * 501 + "</textarea>" in refused.text
    assert await count(web, Fragment) == 0


async def test_edits_and_withdrawals_are_history_not_erasure(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        sent = await client.post(ROUND, data=await fields(client, **CLAIM))
        first = re.search(r"/contribute/(E01-[0-9a-f]+)/edit", sent.text)
        assert first is not None
        edit = f"{ROUND}/{first.group(1)}/edit"
        form = await client.get(edit)
        assert ">Shared records cut repeat tests.</textarea>" in form.text
        changed = {**CLAIM, "text": "Shared records cut repeat tests by a third."}
        token = await csrf(client, edit)
        edited = await client.post(edit, data={**changed, "_csrf_token": token})
        assert re.search(r"Your changes were saved as E01-[0-9a-f]+", text_of(edited.text))
        stale = await client.post(edit, data={**CLAIM, "_csrf_token": token})
        assert stale.status_code == 409  # the old version was replaced: edit the new one
        assert "was edited since" in text_of(stale.text)
        second = re.search(r"/contribute/(E01-[0-9a-f]+)/edit", edited.text)
        assert second is not None
        assert second.group(1) != first.group(1)
        withdraw = f"{ROUND}/{second.group(1)}/withdraw"
        token = await csrf(client, withdraw)
        done = await client.post(
            withdraw, data={"reason": "Said better by others", "_csrf_token": token}
        )
        again = await client.post(withdraw, data={"_csrf_token": token}, follow_redirects=False)
        assert again.status_code == 303  # a double click is not an error
    words = text_of(done.text)
    assert "Your fragment " + second.group(1) + " was withdrawn" in words
    assert "Withdrawn" in words
    assert "2 versions" in words
    assert "Said better by others" in words
    assert f"{second.group(1)}/edit" not in done.text  # nothing left to change
    assert await count(web, Fragment) == 2


async def test_a_closed_round_takes_nothing_and_loses_nothing(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        typed = await fields(client, **CLAIM)
        async with web.container.session() as s:
            await close_round(s, "study-a", 1, actor=OPERATOR)
        page = await client.get(ROUND)
        refused = await client.post(ROUND, data=typed)
        draft = await client.post(f"{ROUND}/drafts", data=typed, headers={"HX-Request": "true"})
    assert "Round 1 is closed" in text_of(page.text)
    assert 'name="key"' not in page.text
    assert refused.status_code == 409
    words = text_of(refused.text)
    assert "Your fragment was not stored" in words
    assert "What you wrote (not stored)" in words
    assert CLAIM["text"] in words
    assert draft.status_code == 200
    assert "Draft not saved" in draft.text


async def test_a_rating_round_says_so(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    async with cast.client("expert_a") as client:
        page = await client.get("/studies/study-a/rounds/2/contribute")
    assert page.status_code == 200
    assert "asks the panel to rate statements" in text_of(page.text)
    assert 'name="key"' not in page.text


async def test_what_experts_write_is_shown_as_text_never_as_markup(web: Web) -> None:
    cast = await cast_of_two_studies(web)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    async with cast.client("expert_a") as client:
        typed = await fields(client, **{**CLAIM, "text": hostile}, sources=hostile)
        page = await client.post(ROUND, data=typed)
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert "&lt;script&gt;" in page.text


async def test_experts_find_their_open_round_from_their_studies(web: Web) -> None:
    cast: Cast = await cast_of_two_studies(web)
    for role, sees in (("expert_a", True), ("facilitator_a", False), ("reader_a", False)):
        async with cast.client(role) as client:
            studies = (await client.get("/studies")).text
            study = (await client.get("/studies/study-a")).text
        for shown in (studies, study):
            assert (f'href="{ROUND}"' in shown) is sees, role
