"""Flags and readers in a real browser, against a real `symphonia serve`: a panellist flags a
statement that cites them (JavaScript off), publishing waits for the editors' answer (the
CLI is refused), an editor moves the statement and answers the flag with that amendment,
the next version is published, and a reader (JavaScript off) compares the two versions and
follows a statement to its evidence. axe-core checks every page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, accessibility, screenshot, start_server, stop_server
from tests.e2e.demo_round import DRAFT, STUDY, draft_demo_round, sign_in_as


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Round 1 of the demo study contributed, drafted and its version 1 published."""
    live = start_server(tmp_path_factory.mktemp("reader-flow") / "server-data")
    try:
        draft_demo_round(live)
        live.cli("publish", STUDY, "1", "--version", "1")
        yield live
    finally:
        stop_server(live)


def cited_author(server: LiveServer, tmp: Path) -> tuple[str, str]:
    """A consensus statement of version 1 and a panellist whose fragment it cites."""
    out = tmp / "report.json"
    server.cli("export", STUDY, "1", "--format", "json", "--out", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    authors = {f["id"]: f["author"] for f in doc["evidence"] if f.get("author")}
    for section in doc["sections"]:
        for st in section["statements"]:
            for fid in st["citations"]:
                if fid in authors and section["key"] != "gap":
                    return st["key"], authors[fid]
    raise AssertionError("no statement cites a known author")


@pytest.mark.timeout(1500)
def test_flag_answer_publish_compare_and_evidence(
    server: LiveServer, browser: Any, context: Any, tmp_path: Path
) -> None:
    key, pseudonym = cited_author(server, tmp_path)
    mine = f"{server.url}/studies/{STUDY}/my-statements"

    # the panellist flags the statement, JavaScript off (plain form post and redirect)
    no_js = browser.new_context(java_script_enabled=False)
    try:
        expert = no_js.new_page()
        sign_in_as(server, expert, "Expert", pseudonym)
        expert.goto(mine)
        card = expert.locator(f"#st-1-1-{key}")
        card.get_by_text(f"Flag statement {key} as misrepresenting you").click()
        card.get_by_label("What does it get wrong about what you said?").fill(
            "I warned against this; the statement reads as if I supported it."
        )
        card.get_by_role("button", name="Flag this statement").click()
        expert.wait_for_url(re.compile(r"/my-statements"))
        assert "Awaiting the editors" in expert.locator(f"#st-1-1-{key}").inner_text()
    finally:
        no_js.close()
    page = context.new_page()  # axe runs in a page with JavaScript
    sign_in_as(server, page, "Expert", pseudonym)
    page.goto(mine)
    accessibility(page, name="expert's statements after flagging")
    screenshot(page, "expert-flagged")

    # the editor moves the statement (a new version); publishing waits for the flag's answer
    sign_in_as(server, page, "Editor")
    page.goto(f"{server.url}{DRAFT}")
    assert page.locator("#expert-flags-title").count() == 1
    accessibility(page, name="workspace with a flag")
    page.goto(f"{server.url}{DRAFT}/statements/{key}?action=reclassify")
    page.get_by_label("Gaps in the evidence").check()
    page.get_by_label("Why (kept with the amendment)").fill("the panellist is right: open")
    page.get_by_role("button", name="Save the change").click()
    page.wait_for_url(re.compile(r"/draft"))
    refused = server.cli("publish", STUDY, "1", check=False)
    assert refused.returncode != 0
    assert "unanswered" in refused.stdout + refused.stderr

    page.goto(f"{server.url}/studies/{STUDY}/flags")
    accessibility(page, name="editors' flags")
    card = page.locator(".govuk-summary-card", has_text=f"Statement {key}")
    card.get_by_label("Amended").check()
    card.get_by_label("Reason").fill("moved to the gaps, as the panellist asked")
    card.get_by_role("button", name="Answer the flag").click()
    page.wait_for_url(re.compile(r"/flags"))
    assert "Answered (1)" in page.content()
    accessibility(page, name="editors' flags answered")
    published = server.cli("publish", STUDY, "1").stdout
    version = re.search(r"published version (\d+)", published)
    assert version is not None
    latest = version.group(1)

    # a reader, JavaScript off, compares the versions and follows a statement to its evidence
    reading = browser.new_context(java_script_enabled=False)
    try:
        reader = reading.new_page()
        sign_in_as(server, reader, "Reader")
        reader.goto(f"{server.url}/studies/{STUDY}/published")
        reader.get_by_role("link", name="Compare two versions").click()
        reader.get_by_label("Earlier version").select_option("1.1")
        reader.get_by_label("Later version").select_option(f"1.{latest}")
        reader.get_by_role("button", name="Compare").click()
        reader.wait_for_url(re.compile(r"before=1\.1"))
        compared = reader.url
        assert "Moved between sections (1)" in reader.content()
        assert "the panellist is right: open" in reader.content()
        reader.locator(f"#change-{key}").get_by_role("link").last.click()
        reader.wait_for_url(re.compile(rf"/statements/{key}$"))
        evidence = reader.url
        assert "The fragments it cites" in reader.content()
        assert pseudonym in reader.content()
        download = reader.request.get(
            f"{server.url}/studies/{STUDY}/published/1/{latest}/download/md"
        )
        assert download.ok
        assert "Flags raised by panellists" in download.text()
    finally:
        reading.close()
    sign_in_as(server, page, "Reader")
    for url, name in (
        (f"{server.url}/studies/{STUDY}/published", "published versions"),
        (f"{server.url}/studies/{STUDY}/published/1/{latest}", "published version"),
        (compared, "comparison"),
        (evidence, "statement evidence"),
    ):
        page.goto(url)
        accessibility(page, name=name)
    screenshot(page, "reader-evidence")

    # the panellist reads the answer
    sign_in_as(server, page, "Expert", pseudonym)
    page.goto(mine)
    answer = page.locator(f"#st-1-1-{key}").inner_text()
    assert "amended in version" in answer
    assert "moved to the gaps, as the panellist asked" in answer
