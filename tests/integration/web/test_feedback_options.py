"""The protocol's feedback options (`protocol.feedback`: by_group, comments) on SQLite and
PostgreSQL: the facilitator's protocol form and API keep them, refuse a split by group in a
study without groups, and change nothing once round 1 has opened; and an expert's rating
page shows the previous round split by stakeholder group and the panel's comments only when
the protocol asks, with figures computed here from the demo's files."""

from __future__ import annotations

import dataclasses
import re
import statistics
import uuid

from markupsafe import escape

from symphonia.core.actors import StudyRole
from symphonia.core.protocol import Feedback
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.protocol import protocol_view
from symphonia.services.rounds import open_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file
from tests.conftest import DEMO_STUDY
from tests.integration.rating_rounds import ROUND_2, SLUG, demo_at_round_3, panellist
from tests.integration.web.conftest import Web, post_form
from tests.integration.web.facilitation import PROTOCOL_FORM
from tests.integration.web.people import OPERATOR, definition
from tests.integration.web.rating import bearer, signed_in


async def facilitator_of(web: Web, *slugs: str) -> uuid.UUID:
    async with web.container.session() as s:
        account = await create_account(s, "fac@example.org", actor=OPERATOR)
        for slug in slugs:
            await grant_role(s, "fac@example.org", slug, StudyRole.FACILITATOR, actor=OPERATOR)
    return account.id


def checked(page: str, name: str) -> str:
    """The value of the checked radio `name` on the page."""
    found = re.search(rf'name="{name}" type="radio" value="(\w+)" checked', page)
    assert found is not None, name
    return found.group(1)


async def test_the_protocol_form_and_api_keep_the_feedback_options(web: Web) -> None:
    plain = dataclasses.replace(definition("plain"), groups=(), panel=())
    async with web.container.session() as s:
        await load_study(s, definition("grouped"), actor=OPERATOR)
        await load_study(s, plain, actor=OPERATOR)
    account = await facilitator_of(web, "grouped", "plain")
    api = "/api/v1/studies/grouped/protocol"
    headers = await bearer(web, account=account)
    async with signed_in(web, account=account) as client:
        path = "/studies/grouped/protocol"
        shown = (await client.get(path)).text
        assert (checked(shown, "feedback_groups"), checked(shown, "feedback_comments")) == (
            "no",
            "no",
        )
        both = {**PROTOCOL_FORM, "feedback_groups": "yes", "feedback_comments": "yes"}
        saved = await post_form(client, path, both, form_page=path)
        assert saved.status_code in (302, 303), saved.text[:500]
        shown = (await client.get(path)).text
        assert (checked(shown, "feedback_groups"), checked(shown, "feedback_comments")) == (
            "yes",
            "yes",
        )
        async with web.container.session() as s:
            view = await protocol_view(s, "grouped", actor=OPERATOR)
        assert view.protocol.feedback == Feedback(by_group=True, comments=True)

        read = (await client.get(api, headers=headers)).json()
        assert read["protocol"]["feedback"] == {"by_group": True, "comments": True}
        body = {**read["protocol"], "feedback": {"by_group": False, "comments": True}}
        put = await client.put(api, json=body, headers=headers)
        assert put.status_code == 200, put.text
        assert put.json()["protocol"]["feedback"] == {"by_group": False, "comments": True}
        shown = (await client.get(path)).text
        assert (checked(shown, "feedback_groups"), checked(shown, "feedback_comments")) == (
            "no",
            "yes",
        )

        # a study without stakeholder groups cannot split by them
        bare = "/studies/plain/protocol"
        refused = await post_form(client, bare, {**both}, form_page=bare)
        assert refused.status_code == 400
        assert 'href="#feedback_groups"' in refused.text
        assert "the study declares no groups" in refused.text
        put = await client.put(
            "/api/v1/studies/plain/protocol",
            json={"feedback": {"by_group": True}},
            headers=headers,
        )
        assert put.status_code == 422
        assert "feedback.by_group" in put.text
        async with web.container.session() as s:
            view = await protocol_view(s, "plain", actor=OPERATOR)
        assert view.protocol.feedback == Feedback()

        # locked once round 1 opens
        async with web.container.session() as s:
            await open_round(s, "grouped", 1, actor=OPERATOR)
        late = await post_form(
            client, path, {**PROTOCOL_FORM, "feedback_comments": "no"}, form_page=path
        )
        assert late.status_code == 409
        put = await client.put(api, json={**body, "feedback": {}}, headers=headers)
        assert put.status_code == 409
        locked = (await client.get(path)).text
        assert 'name="feedback_comments"' not in locked
        assert "the panel&#39;s comments (anonymised)" in locked
        async with web.container.session() as s:
            view = await protocol_view(s, "grouped", actor=OPERATOR)
        assert view.protocol.feedback == Feedback(by_group=False, comments=True)


COMMENTS = {
    ("E02", "s05"): "Only under a data-sharing agreement",
    ("E12", "s05"): "Families were never asked",
    ("E01", "s05"): "Mine, shown back to me",
}
PAGE = f"/studies/{SLUG}/rounds/3/rate"
API = f"/api/v1/studies/{SLUG}/rounds/3/ratings"


def group_rows(item: str) -> dict[str, str]:
    """group name → the split's figures for `item` in round 2, computed from the files."""
    study = read_study_file(DEMO_STUDY)
    names = {g.id: g.name for g in study.groups}
    group_of = {p.pseudonym: p.group for p in study.panel}
    out: dict[str, str] = {}
    for gid, name in names.items():
        given = [r.score for r in ROUND_2 if r.item == item and group_of[r.rater] == gid]
        if given:
            q1, median, q3 = statistics.quantiles(given, n=4, method="inclusive")
            out[name] = f"median {median:g}, interquartile range {q1:g}–{q3:g} ({len(given)})"
    return out


async def test_the_rating_page_splits_by_group_and_shows_comments_when_asked(web: Web) -> None:
    async with web.container.session() as s:
        await demo_at_round_3(s, feedback=Feedback(True, True), comments=COMMENTS)
        e01 = await panellist(s, "E01")
    async with signed_in(web, participant=e01.participant_id) as client:
        page = (await client.get(PAGE)).text
        headers = await bearer(web, participant=e01.participant_id)
        sheet = (await client.get(API, headers=headers)).json()
    block = page[page.index("Statement 5 of 14") : page.index("Statement 6 of 14")]
    assert "By stakeholder group, round 2" in block
    rows = group_rows("s05")
    assert len(rows) == 7
    for name, figures in rows.items():
        row = f'header">{escape(name)}</th><td class="govuk-table__cell">{figures}</td>'
        assert row in block, name
    assert "What others on the panel wrote in round 2" in block
    listed = re.findall(r'<li class="app-wrap">([^<]*)</li>', block)
    assert listed == sorted(["Only under a data-sharing agreement", "Families were never asked"])
    assert 'with the comment “<span class="app-wrap">Mine, shown back to me</span>”' in block
    item = next(i for i in sheet["items"] if i["id"] == "s05")
    assert [g["group"] for g in item["feedback"]["groups"]] == sorted(rows)
    assert item["feedback"]["comments"] == listed
    other = page[page.index("Statement 4 of 14") : page.index("Statement 5 of 14")]
    assert "What others on the panel wrote" not in other  # nobody commented on s04


async def test_the_rating_page_withholds_them_when_not_asked(web: Web) -> None:
    async with web.container.session() as s:
        await demo_at_round_3(s, comments=COMMENTS)
        e01 = await panellist(s, "E01")
    async with signed_in(web, participant=e01.participant_id) as client:
        page = (await client.get(PAGE)).text
    assert "By stakeholder group" not in page
    assert "What others on the panel wrote" not in page
    assert "Only under a data-sharing agreement" not in page
    assert "Families were never asked" not in page
    assert "Mine, shown back to me" in page  # the expert's own previous answer is always shown
