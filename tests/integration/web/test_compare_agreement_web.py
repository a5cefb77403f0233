"""How the panel's agreement changed between two rounds, as readers compare them (issue 10
§6), on SQLite and PostgreSQL: the demo study's rounds 1-3 run with the demo's rating files,
a synthesis version of round 2 and of round 3 drafted and published, and the two compared
through the reading service, the compare page and the API.

Each statement's agreement change is checked against figures computed here, in plain
Python, from the rating files themselves: the share of the item's ratings in the protocol's
agreement band (the upper third of the 1-9 scale, 7-9), round 3's minus round 2's, in
percentage points. Nothing of the platform's statistics is used to compute the expected
figures.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from symphonia.core.actors import Actor, StudyRole
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.analysis import analyse_round
from symphonia.services.api_tokens import issue_api_token
from symphonia.services.principals import actor_for_account
from symphonia.services.publishing import publish_version
from symphonia.services.reading import compare_versions, published_report
from symphonia.services.reporting import ReportDocument
from symphonia.services.tokens import issue_sign_in_link
from symphonia.studyfiles import load_study as read_study_file
from tests.conftest import DEMO_STUDY
from tests.integration.services.editing_setup import EMBEDDER
from tests.integration.services.test_analysis_export import run_schedule
from tests.integration.web.conftest import Web, post_form

SLUG = "connected-icb"
OPERATOR = Actor.operator("test")
READER = "reader@example.org"
READ = f"/studies/{SLUG}/published"


def _band_share(path: Path) -> dict[str, float]:
    """Item -> the share of its ratings in 7-9 (the demo protocol's 1-9 scale: a third of
    its nine points, the top three), read straight from a rating file."""
    scores: dict[str, list[int]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            scores[row["item"]].append(int(row["score"]))
    return {item: sum(7 <= s <= 9 for s in got) / len(got) for item, got in scores.items()}


ROUND_2 = _band_share(DEMO_STUDY / "round2-ratings.jsonl")
ROUND_3 = _band_share(DEMO_STUDY / "round3-ratings.jsonl")


def _rated_items(document: ReportDocument, key: str) -> list[str]:
    """The rated items standing behind statement `key`: its own id, or its theme's items."""
    rated = {i.item_id for i in document.items}
    if key in rated:
        return [key]
    entry = next(s for s in document.statements if s.key == key)
    return [i for i in entry.items if i in rated]


def _item_of(document: ReportDocument, key: str) -> str | None:
    """The one rated item standing behind statement `key`; None when none or several."""
    items = _rated_items(document, key)
    return items[0] if len(items) == 1 else None


def _expected(before: ReportDocument, after: ReportDocument, key: str) -> float | None:
    item_2, item_3 = _item_of(before, key), _item_of(after, key)
    if item_2 is None or item_3 is None:
        return None
    assert item_2 == item_3, f"statement {key} stands for {item_2} then {item_3}"
    return round((ROUND_3[item_3] - ROUND_2[item_2]) * 100, 1)


@dataclass
class Reader:
    actor: Actor
    link: str
    """The path of a sign-in link (pages)."""
    token: str
    """An API token."""


@pytest.fixture
async def reader(web: Web) -> Reader:
    """The demo study's rounds 1-3 run, rounds 2 and 3 each analysed once and that version
    published; a reader of the study."""
    maker = web.container.session
    await run_schedule(maker, read_study_file(DEMO_STUDY))
    for number in (2, 3):
        async with maker() as s:
            done = await analyse_round(s, SLUG, number, EMBEDDER, None, actor=OPERATOR)
        async with maker() as s:
            await publish_version(s, SLUG, number, done.version_number, actor=OPERATOR)
    async with maker() as s:
        account = await create_account(s, READER, actor=OPERATOR)
        await grant_role(s, READER, SLUG, StudyRole.READER, actor=OPERATOR)
        token = await issue_api_token(s, account_id=account.id, actor=OPERATOR)
        link = await issue_sign_in_link(s, account_id=account.id, actor=OPERATOR)
        actor = await actor_for_account(s, account.id)
    return Reader(actor, f"/sign-in/{link.token}", token.token)


def _rows(html: str) -> dict[str, str]:
    """Statement key -> its row of the compare page."""
    rows = {}
    for chunk in html.split('<tr class="govuk-table__row" id="change-')[1:]:
        key, rest = chunk.split('"', 1)
        rows[key] = rest.split("</tr>", 1)[0]
    return rows


async def test_agreement_change_between_rounds_is_the_rating_files_difference(
    web: Web, reader: Reader
) -> None:
    async with web.container.session() as s:
        before = await published_report(s, SLUG, 2, 1, actor=reader.actor)
    async with web.container.session() as s:
        after = await published_report(s, SLUG, 3, 1, actor=reader.actor)
    async with web.container.session() as s:
        result = await compare_versions(s, SLUG, "2", "3", actor=reader.actor)
    assert (result.before.ref, result.after.ref) == ("2.1", "3.1")
    matched = [c for c in result.comparison.changes if c.before and c.after]
    expected = {c.key: _expected(before, after, c.key) for c in matched}
    assert {c.key: c.agreement_change for c in matched} == expected
    rated = {k: v for k, v in expected.items() if v is not None}
    assert rated, "no statement of both rounds stands for one rated item"
    assert any(v != 0 for v in rated.values())  # agreement did move somewhere
    without: set[int] = set()  # how many rated items stood behind figureless statements
    for change in result.comparison.changes:
        for doc, side in ((before, change.before), (after, change.after)):
            if side is None:
                continue
            item = _item_of(doc, change.key)
            if item is None:  # no item, or a theme's several: no one statement's figure
                assert side.agreement is None, change.key
                without.add(min(len(_rated_items(doc, change.key)), 2))
            else:
                assert side.agreement is not None, change.key
                shares = ROUND_2 if doc is before else ROUND_3
                assert side.agreement.percent_agreement == pytest.approx(shares[item], abs=5e-5)
    assert without == {0, 2}  # both kinds of statement without one rated item were seen

    async with web.client() as client:
        signed = await post_form(client, reader.link, {}, form_page=reader.link)
        assert signed.status_code in (302, 303), signed.text
        page = await client.get(f"{READ}/compare", params={"before": "2", "after": "3"})
    assert page.status_code == 200, page.text
    rows = _rows(page.text)
    assert set(rows) == {c.key for c in result.comparison.changes}
    for key, row in rows.items():
        if key in rated:
            assert f"({rated[key]:+.1f} points)" in row, key
        else:
            assert "points)" not in row, key

    async with web.client() as api:
        got = await api.get(
            f"/api/v1/studies/{SLUG}/published/compare",
            params={"before": "2", "after": "3"},
            headers={"Authorization": f"Bearer {reader.token}"},
        )
    assert got.status_code == 200, got.text
    body = got.json()
    assert (body["before"], body["after"]) == ("2.1", "3.1")
    figures = {c["key"]: c["agreement_change"] for c in body["changes"]}
    assert figures == {c.key: rated.get(c.key) for c in result.comparison.changes}
