"""An editor's workspace in a real browser, against a real `symphonia serve` with the real
embedder: the draft beside its evidence, an inline edit swapped in by htmx (the guard's
verdict re-computed), and a second tab's stale edit answered by the conflict page that
keeps what was typed. axe-core checks every page; the workspace is kept as a screenshot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, accessibility, screenshot, start_server, stop_server
from tests.e2e.demo_round import DRAFT, STUDY, draft_demo_round, sign_in_as


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Round 1 of the demo study contributed, closed and drafted from the shell."""
    live = start_server(tmp_path_factory.mktemp("editor-flow") / "server-data")
    try:
        draft_demo_round(live)
        yield live
    finally:
        stop_server(live)


def test_an_editor_edits_in_place_and_a_stale_tab_keeps_its_text(
    server: LiveServer, context: Any
) -> None:
    page = context.new_page()
    sign_in_as(server, page, "Editor")
    page.goto(f"{server.url}/studies/{STUDY}")
    page.get_by_role("link", name="Draft synthesis of round 1").click()
    page.wait_for_url(re.compile(r"/rounds/1/draft$"))
    accessibility(page, name="editor workspace")
    first = page.locator("section.app-statement").first
    key = (first.get_attribute("id") or "").removeprefix("st-")
    assert key
    assert first.locator("table", has_text="Evidence cited").count() == 1

    # a second tab opens the same statement before the first tab changes it
    stale_tab = context.new_page()
    stale_tab.goto(f"{server.url}{DRAFT}/statements/{key}?action=edit")
    accessibility(stale_tab, name="statement page")

    first.get_by_text("Edit the text").click()
    first.get_by_label("New text").fill("Budgets ringfenced for five years would help most.")
    first.get_by_label("Why (kept with the amendment)").fill("one sentence")
    first.get_by_role("button", name="Save the new text").click()
    swapped = page.locator(f"#st-{key}")
    swapped.get_by_text("revision 2").wait_for()
    assert "Budgets ringfenced for five years" in swapped.inner_text()
    assert page.url.endswith("/draft")  # htmx: no page load
    assert "amended from version 1" in page.locator("#draft-summary").inner_text()
    accessibility(page, name="workspace after an inline edit")
    screenshot(page, "editor-workspace")

    stale_tab.get_by_label("New text").fill("My own wording, typed with care.")
    stale_tab.get_by_label("Why (kept with the amendment)").fill("mine")
    stale_tab.get_by_role("button", name="Save the change").click()
    stale_tab.get_by_text("Another editor changed this statement first").wait_for()
    assert "Budgets ringfenced for five years" in stale_tab.locator("#their-text").inner_text()
    assert stale_tab.get_by_label("New text").input_value() == "My own wording, typed with care."
    accessibility(stale_tab, name="conflict page")
    screenshot(stale_tab, "editor-conflict")
    stale_tab.get_by_role("button", name="Save the change").click()  # now knowingly
    stale_tab.wait_for_url(re.compile(rf"/draft#st-{re.escape(key)}$"))
    assert "My own wording" in stale_tab.locator(f"#st-{key}").inner_text()
