"""An expert's round in a real browser, against a real `symphonia serve`: the invitation
link, a draft that autosaves and outlives the browser, submitting, editing, withdrawing, a
refused form; the same without JavaScript; a phone-sized screen. axe-core checks every
page visited, and the main pages are kept as screenshots."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, accessibility, screenshot, start_server, stop_server

ROOT = Path(__file__).resolve().parents[2]
STUDY = "connected-icb"
DRAFT = "Schools and GPs hold different consent rules for the same child."
EDITED = "Schools and GPs hold different consent rules for the same child; councils a third."
SECOND = "A shared record pilot in one ICB cut repeat referrals."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module: the demo study loaded and round 1 open, as a facilitator
    would from the shell. Each test acts as a different expert of the panel."""
    live = start_server(tmp_path_factory.mktemp("expert-flow") / "server-data")
    try:
        live.cli("study", "load", str(ROOT / "rounds" / STUDY))
        live.cli("round", "open", STUDY, "1")
        yield live
    finally:
        stop_server(live)


def fresh_link(server: LiveServer, pseudonym: str = "E01") -> str:
    """A new invitation link for the expert, from `symphonia panel links`."""
    done = server.cli("panel", "links", STUDY)
    rows = {r["pseudonym"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    link = rows[pseudonym]["link"]
    assert link.startswith(server.url + "/sign-in/"), link
    return link


def sign_in(page: Any, link: str, *, check: bool = True) -> None:
    page.goto(link)
    if check:
        accessibility(page, name="invitation link page")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/studies$"))


def open_round(page: Any) -> None:
    page.get_by_role("link", name="Contribute to round 1").first.click()
    page.wait_for_url(re.compile(r"/rounds/1/contribute"))


def fill_fragment(page: Any, kind: str, text: str, confidence: str, sources: str = "") -> None:
    page.get_by_label(kind, exact=True).check()
    page.get_by_label("Your fragment").fill(text)
    page.get_by_label(confidence, exact=True).check()
    if sources:
        page.get_by_label("Sources (optional)").fill(sources)


def card(page: Any, text: str) -> Any:
    return page.locator(".govuk-summary-card", has_text=text)


def tag(page: Any, text: str) -> str:
    """The state tag on the contribution card holding `text`."""
    shown: str = card(page, text).locator(".govuk-tag").inner_text()
    return shown.strip()


def test_an_expert_drafts_comes_back_submits_edits_and_withdraws(
    server: LiveServer, browser: Any
) -> None:
    first = browser.new_context(viewport={"width": 1280, "height": 900})
    page = first.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, fresh_link(server))
    accessibility(page, name="study list")
    screenshot(page, "expert-studies")
    open_round(page)
    accessibility(page, name="round page")
    screenshot(page, "expert-round-empty")
    fill_fragment(page, "Barrier", DRAFT, "4: Confident", "https://example.org/consent")
    status = page.locator("#draft-status")
    status.get_by_text(re.compile(r"Draft saved at \d\d:\d\d UTC")).wait_for(timeout=15_000)
    assert csp == []
    first.close()  # the browser is closed: only the server remembers the draft

    second = browser.new_context(viewport={"width": 1280, "height": 900})
    page = second.new_page()
    sign_in(page, fresh_link(server))
    open_round(page)
    assert page.get_by_label("Your fragment").input_value() == DRAFT
    assert page.get_by_label("Barrier", exact=True).is_checked()
    assert page.get_by_label("Sources (optional)").input_value() == "https://example.org/consent"
    assert re.search(r"Draft saved at \d\d:\d\d UTC", status_text(page))
    page.get_by_role("button", name="Submit fragment").click()
    page.get_by_text(re.compile(r"Your fragment E01-[0-9a-f]{8} was submitted")).wait_for()
    assert tag(page, DRAFT) == "Submitted"
    accessibility(page, name="round page after submitting")

    fill_fragment(page, "Example", SECOND, "3: Fairly sure")
    page.get_by_role("button", name="Submit fragment").click()
    page.get_by_text(re.compile(r"Your fragment E01-[0-9a-f]{8} was submitted")).wait_for()
    screenshot(page, "expert-round-contributions")

    card(page, DRAFT).get_by_role("link", name=re.compile("^Edit")).click()
    page.wait_for_url(re.compile(r"/edit$"))
    accessibility(page, name="edit page")
    screenshot(page, "expert-edit")
    page.get_by_label("Your fragment").fill(EDITED)
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text(re.compile(r"Your changes were saved as E01-")).wait_for()
    edited = card(page, EDITED)
    assert tag(page, EDITED) == "Edited"
    assert "2 versions" in edited.inner_text()

    card(page, SECOND).get_by_role("link", name=re.compile("^Withdraw")).click()
    page.wait_for_url(re.compile(r"/withdraw$"))
    accessibility(page, name="withdraw page")
    screenshot(page, "expert-withdraw")
    page.get_by_label(re.compile("Why are you withdrawing it")).fill("Said better by E03")
    page.get_by_role("button", name="Withdraw fragment").click()
    page.get_by_text(re.compile(r"Your fragment E01-[0-9a-f]{8} was withdrawn")).wait_for()
    withdrawn = card(page, SECOND)
    assert tag(page, SECOND) == "Withdrawn"
    assert withdrawn.get_by_role("link", name=re.compile("^Edit")).count() == 0
    accessibility(page, name="round page with history")
    screenshot(page, "expert-round-history")

    page.get_by_role("button", name="Submit fragment").click()  # nothing filled in
    assert page.title().startswith("Error: ")
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert summary.evaluate("el => el.contains(document.activeElement)")  # focus moved there
    summary.get_by_role("link", name="Enter your fragment").click()
    assert page.evaluate("document.activeElement.id") == "text"
    accessibility(page, name="refused form")
    screenshot(page, "expert-round-error")
    assert csp == []
    second.close()


def status_text(page: Any) -> str:
    text: str = page.locator("#draft-status").inner_text()
    return text


def test_the_form_works_without_javascript(server: LiveServer, browser: Any) -> None:
    """axe-core needs JavaScript, so it checked these pages in the test above instead."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, fresh_link(server, "E02"), check=False)
    open_round(page)
    fill_fragment(page, "Caveat", "Only where a data-sharing agreement exists.", "2: Unsure")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Your draft was saved").wait_for()
    assert page.get_by_label("Your fragment").input_value().startswith("Only where")
    page.get_by_role("button", name="Submit fragment").click()
    page.get_by_text(re.compile(r"Your fragment E02-[0-9a-f]{8} was submitted")).wait_for()
    assert card(page, "Only where a data-sharing").get_by_text("2: Unsure").is_visible()
    screenshot(page, "expert-round-no-js")
    context.close()


def test_the_round_page_fits_a_phone(server: LiveServer, browser: Any) -> None:
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    sign_in(page, fresh_link(server, "E03"))
    open_round(page)
    fill_fragment(
        page, "Claim", "x" * 300 + " https://example.org/" + "y" * 200, "5: Very confident"
    )
    page.get_by_role("button", name="Submit fragment").click()
    page.get_by_text("was submitted").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    accessibility(page, name="round page on a phone")
    screenshot(page, "expert-round-phone")
    phone.close()
