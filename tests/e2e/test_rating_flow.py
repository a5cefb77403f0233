"""An expert's rating round in a real browser, against a real `symphonia serve`: round 3 of
the demo study with round 2's feedback beside each statement (chart, median and IQR in
words, the expert's own round-2 rating), answers autosaved one by one with htmx and still
there after a reload, "cannot judge", the keyboard alone; the same page with JavaScript off
(the whole form saved, then a redirect); and the prioritisation demo's items × criteria
matrix. axe-core checks every page that runs JavaScript; the pages are kept as screenshots."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, accessibility, screenshot, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
STUDY = "connected-icb"
PRIORITIES = "connected-icb-priorities"
DEMO = ROOT / "rounds" / STUDY
ITEMS = [json.loads(line) for line in (DEMO / "round2-items.jsonl").read_text().splitlines()]
ROUND_2 = [json.loads(line) for line in (DEMO / "round2-ratings.jsonl").read_text().splitlines()]
RATE = f"/studies/{STUDY}/rounds/3/rate"
MATRIX = f"/studies/{PRIORITIES}/rounds/2/rate"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """From the shell, as a facilitator would: the demo study's rounds 1 and 2 run and closed
    and round 3 open (its items declared by one rating imported for E03, as round 3's file
    does); the prioritisation demo's round 1 scored and closed and round 2 open."""
    tmp = tmp_path_factory.mktemp("rating-flow")
    live = start_server(tmp / "server-data")
    try:
        live.cli("study", "load", str(DEMO))
        live.cli("round", "open", STUDY, "1")
        live.cli("fragments", "import", STUDY, "1", str(DEMO / "round1-fragments.jsonl"))
        live.cli("round", "close", STUDY, "1")
        items = str(DEMO / "round2-items.jsonl")
        live.cli("round", "open", STUDY, "2")
        live.cli(
            "ratings", "import", STUDY, "2", str(DEMO / "round2-ratings.jsonl"), "--items", items
        )
        live.cli("round", "close", STUDY, "2")
        live.cli("round", "open", STUDY, "3")
        one = tmp / "round3-e03.jsonl"
        one.write_text(json.dumps({"item": "s01", "rater": "E03", "score": 7}) + "\n")
        live.cli("ratings", "import", STUDY, "3", str(one), "--items", items)
        priorities = ROOT / "rounds" / PRIORITIES
        live.cli("study", "load", str(priorities))
        live.cli("round", "open", PRIORITIES, "1")
        live.cli("priorities", "import", PRIORITIES, "1", str(priorities / "round1-scores.jsonl"))
        live.cli("round", "close", PRIORITIES, "1")
        live.cli("round", "open", PRIORITIES, "2")
        yield live
    finally:
        stop_server(live)


def sign_in(server: LiveServer, page: Any, pseudonym: str, study: str = STUDY) -> None:
    """Through the expert's invitation link, from `symphonia panel links`."""
    rows = csv.DictReader(io.StringIO(server.cli("panel", "links", study).stdout))
    link = next(r["link"] for r in rows if r["pseudonym"] == pseudonym)
    page.goto(link)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/studies$"))


def statement(page: Any, n: int) -> Any:
    """Statement `n`'s block: its heading, feedback, radios (a fieldset whose legend is the
    statement's text) and comment."""
    return page.locator(".app-rating").nth(n - 1)


def choice(page: Any, n: int, label: str) -> Any:
    """The radio `label` of statement `n`, found as a person using a screen reader would: by
    the group (fieldset legend) and the radio's own label."""
    group = page.get_by_role("group", name=ITEMS[n - 1]["text"])
    return group.get_by_role("radio", name=label, exact=True)


def saved_at(page: Any, n: int) -> None:
    statement(page, n).get_by_role("status").get_by_text(
        re.compile(r"Saved at \d\d:\d\d UTC")
    ).wait_for(timeout=15_000)


def test_an_expert_rates_round_3_with_round_2s_feedback(server: LiveServer, context: Any) -> None:
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    sign_in(server, page, "E01")
    page.get_by_role("link", name="Rate the statements of round 3").first.click()
    page.wait_for_url(re.compile(r"/rounds/3/rate$"))
    assert page.locator(".app-rating").count() == len(ITEMS)

    # round 2's feedback, checked against figures computed here from the demo's file
    given = [r["score"] for r in ROUND_2 if r["item"] == "s01"]
    q1, median, q3 = statistics.quantiles(given, n=4, method="inclusive")
    own = next(r["score"] for r in ROUND_2 if r["item"] == "s01" and r["rater"] == "E01")
    first = statement(page, 1)
    feedback = first.locator(".app-feedback").inner_text()
    assert f"median {median:g}, interquartile range {q1:g}–{q3:g}" in feedback
    assert f"You: {own}" in feedback
    first.get_by_text("The panel's ratings in round 2").click()  # open the details
    chart = first.get_by_role("img", name=re.compile("Round 2: the panel's ratings"))
    assert chart.is_visible()
    table = first.get_by_role("table", name="How the panel answered in round 2")
    assert table.is_visible()
    for score in sorted(set(given)):
        row = table.get_by_role("row", name=re.compile(rf"^{score}\b"))
        assert row.inner_text().split()[-1] == str(given.count(score))
    accessibility(page, name="rating page with feedback")
    screenshot(page, "expert-rating-feedback")

    # htmx saves each answer as it is chosen
    choice(page, 1, "6").check()
    saved_at(page, 1)
    with page.expect_response(re.compile(r"/items/s01$")):
        first.get_by_label(re.compile("Your comment on statement 1")).fill("Legal basis first")
        first.get_by_label(re.compile("Your comment on statement 1")).blur()
    choice(page, 2, "Cannot judge").check()
    saved_at(page, 2)

    # the keyboard alone: Tab from statement 2 past statement 3's feedback (a disclosure)
    # into its radios; arrows choose, and the answer saves
    statement(page, 2).get_by_label(re.compile("Your comment on statement 2")).focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "score:s03"
    page.keyboard.press("Space")
    # each choice is a save; htmx keeps only the last one queued behind the one in flight,
    # so wait for the save that carries the final answer (not the first "Saved at")
    with page.expect_response(
        lambda r: r.url.endswith("/items/s03") and "score%3As03=3" in (r.request.post_data or "")
    ):
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
    assert choice(page, 3, "3").is_checked()
    saved_at(page, 3)
    assert csp == []

    page.reload()
    assert choice(page, 1, "6").is_checked()
    assert first.get_by_label(re.compile("Your comment on statement 1")).input_value() == (
        "Legal basis first"
    )
    assert choice(page, 2, "Cannot judge").is_checked()
    assert choice(page, 3, "3").is_checked()
    assert statement(page, 4).get_by_role("radio", checked=True).count() == 0
    accessibility(page, name="rating page after autosave")
    screenshot(page, "expert-rating-saved")


def test_the_rating_page_works_without_javascript(server: LiveServer, browser: Any) -> None:
    """axe-core needs JavaScript: it checked this page in the test above."""
    no_js = browser.new_context(java_script_enabled=False)
    page = no_js.new_page()
    sign_in(server, page, "E02")
    page.goto(server.url + RATE)
    choice(page, 1, "8").check()
    choice(page, 2, "Cannot judge").check()
    statement(page, 2).get_by_label(re.compile("Your comment on statement 2")).fill("Not my field")
    page.get_by_role("button", name="Save my ratings").click()
    page.wait_for_url(re.compile(r"/rounds/3/rate\?saved=2$"))
    page.get_by_text("2 answers saved").wait_for()
    assert choice(page, 1, "8").is_checked()
    assert choice(page, 2, "Cannot judge").is_checked()
    comment = statement(page, 2).get_by_label(re.compile("Your comment on statement 2"))
    assert comment.input_value() == "Not my field"

    statement(page, 3).get_by_label(re.compile("Your comment on statement 3")).fill("Why?")
    page.get_by_role("button", name="Save my ratings").click()  # a comment with no answer
    assert page.title().startswith("Error: ")
    page.locator(".govuk-error-summary").get_by_text("so that your comment is saved").wait_for()
    screenshot(page, "expert-rating-no-js")
    no_js.close()


def test_the_prioritisation_matrix(server: LiveServer, context: Any) -> None:
    page = context.new_page()
    sign_in(server, page, "E12", PRIORITIES)
    page.goto(server.url + MATRIX)
    table = page.get_by_role("table", name=re.compile("Candidate items scored on 5 criteria"))
    assert table.get_by_role("row").count() == 1 + 12
    impact = page.get_by_label(re.compile(r"^Electronic developmental support passport: Impact"))
    assert impact.evaluate("el => el.tagName") == "SELECT"
    assert "Round 1: median" in page.locator("td", has=impact).inner_text()
    accessibility(page, name="prioritisation matrix")
    impact.select_option("4")
    row = page.locator("tr", has=impact)
    row.get_by_role("status").get_by_text(re.compile(r"Saved at \d\d:\d\d UTC")).wait_for(
        timeout=15_000
    )
    cost = page.get_by_label(re.compile(r"^Electronic developmental support passport: Cost"))
    with page.expect_response(re.compile(r"/items/passport$")):
        cost.select_option("cannot_judge")
    page.reload()
    assert impact.input_value() == "4"
    assert cost.input_value() == "cannot_judge"
    accessibility(page, name="prioritisation matrix after saving")
    screenshot(page, "expert-priority-matrix")
