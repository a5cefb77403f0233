"""The whole Delphi loop in a real browser, against a real `symphonia serve` with the real
embedder (issue 10, "Tests and figures"): an expert submits a fragment; the facilitator
closes the round and runs the analysis; an editor amends the draft (one edit fails the
guard and is shown flagged, then kept with a justification), approves it, and the
facilitator publishes it; the panel rates the published statements in round 2 (the rest of
the panel through the API), and in round 3 the expert rates again with round 2's feedback
beside each statement; the expert flags a statement that cites them; an editor answers the
flag with an amendment, and the next version is published; a reader compares the two
published versions and follows a statement to its evidence. axe-core checks every page.

The shell does only what a facilitator's scripts would: load the demo study, import the
rest of the panel's fragments, open and close the rating rounds, issue the panel's links.
"""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveServer, accessibility, screenshot, start_server, stop_server
from tests.e2e.demo_round import DRAFT, STUDY, sign_in_as

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "rounds" / STUDY
EXPERT = "E01"
NEW_FRAGMENT = (
    "Schools should be told within a week when a child on their roll is referred to CAMHS, "
    "so that the pastoral lead can plan support before the first appointment."
)
GUARD_FAILS = "Everyone wants more money for IT."
SCORES = (7, 8, 8, 9, 6, 7, 3, 8, 7, 2, 8, 9, 7, 5)
"""Round 2 scores of the rest of the panel for the first item, in panel order."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo study loaded and round 1 open, with the panel's fragments imported."""
    live = start_server(tmp_path_factory.mktemp("delphi-loop") / "server-data")
    try:
        live.cli("study", "load", str(DEMO))
        live.cli("round", "open", STUDY, "1")
        live.cli("fragments", "import", STUDY, "1", str(DEMO / "round1-fragments.jsonl"))
        yield live
    finally:
        stop_server(live)


def visit(page: Any, name: str) -> None:
    accessibility(page, name=name)


def expert_submits(server: LiveServer, page: Any) -> None:
    sign_in_as(server, page, "Expert", EXPERT)
    page.get_by_role("link", name="Contribute to round 1").first.click()
    page.get_by_label("Claim", exact=True).check()
    page.get_by_label("Your fragment").fill(NEW_FRAGMENT)
    page.get_by_label("4: Confident", exact=True).check()
    page.get_by_role("button", name="Submit fragment").click()
    page.get_by_text(re.compile(rf"Your fragment {EXPERT}-[0-9a-f]{{8}} was submitted")).wait_for()
    visit(page, "expert's round after submitting")


def facilitator_closes_and_analyses(server: LiveServer, page: Any) -> None:
    sign_in_as(server, page, "Facilitator")
    page.goto(f"{server.url}/studies/{STUDY}")
    page.get_by_role("link", name="Close round 1").click()
    page.get_by_role("button", name="Yes, close round 1").click()
    page.wait_for_url(re.compile(r"/rounds/1/analysis$"))
    visit(page, "analysis page")
    page.get_by_role("button", name="Start the analysis").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    page.get_by_role("heading", name="Analysis finished").wait_for(timeout=600_000)
    visit(page, "finished run")


def keep_guard_flags(server: LiveServer, page: Any) -> None:
    """Answer every statement the guard still flags by keeping it, with a justification."""
    while True:
        page.goto(f"{server.url}{DRAFT}")
        flagged = page.locator("section.app-statement", has=page.locator(".govuk-tag--red"))
        if flagged.count() == 0:
            return
        key = (flagged.first.get_attribute("id") or "").removeprefix("st-")
        page.goto(f"{server.url}{DRAFT}/statements/{key}?action=accept_flag")
        page.get_by_label("Justification").fill("checked against the cited fragments by hand")
        page.get_by_role("button", name="Keep it").click()
        page.wait_for_url(re.compile(r"/draft"))


def approve_and_publish(server: LiveServer, page: Any) -> str:
    """The editor approves the latest version, the facilitator publishes it; its number."""
    keep_guard_flags(server, page)
    page.goto(f"{server.url}{DRAFT}")
    approve = page.get_by_role("button", name=re.compile(r"^Approve version \d+$"))
    version = str(approve.inner_text()).rsplit(" ", 1)[-1]
    approve.click()
    page.get_by_text(re.compile(r"Approved \d\d \w{3} \d{4}")).wait_for()
    sign_in_as(server, page, "Facilitator")
    page.goto(f"{server.url}{DRAFT}")
    page.get_by_role("button", name=f"Publish version {version}").click()
    page.get_by_text(re.compile(r"; published \d\d")).wait_for()
    return version


def editor_amends(server: LiveServer, page: Any) -> None:
    """An edit the cited fragments do not support: the guard flags it on the spot."""
    sign_in_as(server, page, "Editor")
    page.goto(f"{server.url}{DRAFT}")
    visit(page, "editor workspace")
    passing = page.locator("section.app-statement", has_text="Guard: passes").first
    key = (passing.get_attribute("id") or "").removeprefix("st-")
    passing.get_by_text("Edit the text").click()
    passing.get_by_label("New text").fill(GUARD_FAILS)
    passing.get_by_label("Why (kept with the amendment)").fill("shorter, for readers")
    passing.get_by_role("button", name="Save the new text").click()
    swapped = page.locator(f"#st-{key}")
    swapped.get_by_text("Flagged by the guard").wait_for()
    assert GUARD_FAILS in swapped.inner_text()
    visit(page, "workspace with a guard flag")
    screenshot(page, "loop-guard-flag")


def panel_tokens(server: LiveServer) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(server.cli("panel", "links", STUDY).stdout))
    return {r["pseudonym"]: r["token"] for r in rows}


def rest_of_panel_rates(server: LiveServer, tokens: dict[str, str]) -> str:
    """Round 2 through the API: every other panellist rates the first item; its id."""
    api = f"{server.url}/api/v1/studies/{STUDY}/rounds/2/ratings"
    others = sorted(p for p in tokens if p != EXPERT)
    with httpx.Client(timeout=60) as client:
        sheet = client.get(api, headers={"Authorization": f"Bearer {tokens[others[0]]}"})
        assert sheet.status_code == 200, sheet.text
        item = str(sheet.json()["items"][0]["id"])
        for pseudonym, score in zip(others, SCORES, strict=False):
            put = client.put(
                f"{api}/{item}",
                headers={"Authorization": f"Bearer {tokens[pseudonym]}"},
                json={"score": score},
            )
            assert put.status_code == 200, put.text
    return item


def expert_rates(server: LiveServer, page: Any, number: int, score: str) -> Any:
    """The expert answers the first statement of rating round `number` (htmx autosave)."""
    sign_in_as(server, page, "Expert", EXPERT)
    page.get_by_role("link", name=f"Rate the statements of round {number}").first.click()
    page.wait_for_url(re.compile(rf"/rounds/{number}/rate$"))
    first = page.locator(".app-rating").first
    first.get_by_role("radio", name=score, exact=True).check()
    first.get_by_role("status").get_by_text(re.compile(r"Saved at \d\d:\d\d UTC")).wait_for(
        timeout=15_000
    )
    return first


def statement_citing(server: LiveServer, version: str, tmp: Path) -> str:
    """A statement of the published version, outside the gaps, citing the expert."""
    out = tmp / "published.json"
    server.cli("export", STUDY, "1", "--format", "json", "--version", version, "--out", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    mine = {f["id"] for f in doc["evidence"] if f.get("author") == EXPERT}
    for section in doc["sections"]:
        for st in section["statements"]:
            if section["key"] != "gap" and mine & set(st["citations"]):
                return str(st["key"])
    raise AssertionError(f"no published statement outside the gaps cites {EXPERT}")


def expert_flags(server: LiveServer, page: Any, version: str, key: str) -> None:
    page.goto(f"{server.url}/studies/{STUDY}/my-statements")
    card = page.locator(f"#st-1-{version}-{key}")
    card.get_by_text(f"Flag statement {key} as misrepresenting you").click()
    card.get_by_label("What does it get wrong about what you said?").fill(
        "I raised this as a risk; the statement reads as if I endorsed it."
    )
    card.get_by_role("button", name="Flag this statement").click()
    page.wait_for_url(re.compile(r"/my-statements"))
    assert "Awaiting the editors" in page.locator(f"#st-1-{version}-{key}").inner_text()
    visit(page, "expert's statements after flagging")


def editor_answers(server: LiveServer, page: Any, key: str) -> None:
    """The editor moves the statement to the gaps and answers the flag with that change."""
    sign_in_as(server, page, "Editor")
    page.goto(f"{server.url}{DRAFT}/statements/{key}?action=reclassify")
    page.get_by_label("Gaps in the evidence").check()
    page.get_by_label("Why (kept with the amendment)").fill("a risk raised, not agreed: a gap")
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url(re.compile(r"/draft"))
    page.goto(f"{server.url}/studies/{STUDY}/flags")
    visit(page, "editors' flags")
    card = page.locator(".govuk-summary-card", has_text=f"Statement {key}")
    card.get_by_label("Amended").check()
    card.get_by_label("Reason").fill("moved to the gaps, as the panellist asked")
    card.get_by_role("button", name="Answer the flag").click()
    page.wait_for_url(re.compile(r"/flags"))
    assert "Answered (1)" in page.content()


def reader_compares(server: LiveServer, page: Any, before: str, after: str, key: str) -> None:
    sign_in_as(server, page, "Reader")
    page.goto(f"{server.url}/studies/{STUDY}/published")
    visit(page, "published versions")
    page.get_by_role("link", name="Compare two versions").click()
    page.get_by_label("Earlier version").select_option(f"1.{before}")
    page.get_by_label("Later version").select_option(f"1.{after}")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(rf"before=1\.{before}"))
    assert "Moved between sections (1)" in page.content()
    assert "a risk raised, not agreed: a gap" in page.content()
    visit(page, "comparison")
    screenshot(page, "loop-compare")
    page.locator(f"#change-{key}").get_by_role("link").last.click()
    page.wait_for_url(re.compile(rf"/statements/{key}$"))
    assert "The fragments it cites" in page.content()
    assert EXPERT in page.content()
    visit(page, "statement evidence")

    # the report itself, as a reader downloads it: its HTML checked by axe too (issue 12)
    download = page.request.get(f"{server.url}/studies/{STUDY}/published/1/{after}/download/html")
    assert download.ok
    assert "Flags raised by panellists" in download.text()
    page.set_content(download.text())
    visit(page, "the downloaded report (HTML)")


@pytest.mark.timeout(2400)
def test_the_whole_delphi_loop(server: LiveServer, context: Any, tmp_path: Path) -> None:
    page = context.new_page()
    expert_submits(server, page)
    facilitator_closes_and_analyses(server, page)
    editor_amends(server, page)
    first = approve_and_publish(server, page)

    tokens = panel_tokens(server)
    server.cli("round", "open", STUDY, "2")
    rest_of_panel_rates(server, tokens)
    expert_rates(server, page, 2, "7")
    server.cli("round", "close", STUDY, "2")
    server.cli("round", "open", STUDY, "3")
    rated = expert_rates(server, page, 3, "8")
    given = [*SCORES[: len(tokens) - 1], 7]
    q1, median, q3 = statistics.quantiles(given, n=4, method="inclusive")
    feedback = rated.locator(".app-feedback").inner_text()
    assert f"median {median:g}, interquartile range {q1:g}–{q3:g}" in feedback
    assert "You: 7" in feedback
    visit(page, "rating page with feedback")
    screenshot(page, "loop-rating-feedback")

    key = statement_citing(server, first, tmp_path)
    expert_flags(server, page, first, key)
    editor_answers(server, page, key)
    second = approve_and_publish(server, page)
    assert int(second) > int(first)
    reader_compares(server, page, first, second, key)

    sign_in_as(server, page, "Expert", EXPERT)
    page.goto(f"{server.url}/studies/{STUDY}/my-statements")
    assert "moved to the gaps, as the panellist asked" in page.content()
