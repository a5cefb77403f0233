"""The prioritisation report's page (issue 13 §4) as a reader's browser shows it: opened from
the file, its contents links move to their sections, every figure is drawn and described,
and axe-core finds no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from symphonia.reports.priority_charts import priority_charts
from symphonia.reports.priority_html import render_priorities_html
from tests.e2e.conftest import accessibility, screenshot
from tests.unit.reports.priority_documents import REPORT


def test_the_priorities_page_reads_and_passes_axe(context: Any, tmp_path: Path) -> None:
    page_file = tmp_path / "priorities.html"
    page_file.write_text(render_priorities_html(REPORT, priority_charts(REPORT)), encoding="utf-8")
    page = context.new_page()
    page.goto(page_file.as_uri())
    assert page.locator("h1").inner_text() == "Study <b>: priorities after round 2"
    images = page.locator("img")
    assert images.count() == 2
    for i in range(2):  # drawn (the SVG data URI decoded) and described
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
        assert images.nth(i).get_attribute("alt")
    page.get_by_role("link", name="What the panel could not judge").click()
    assert page.url.endswith("#what-the-panel-could-not-judge")
    assert page.locator("#what-the-panel-could-not-judge").is_visible()
    accessibility(page, name="priorities page")
    screenshot(page, "priorities-page")
