"""The shell every page shares, in a real browser: strict CSP with htmx loaded, accessible
layout, a 360 px phone, and error pages."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import LiveServer, accessibility, screenshot


def test_start_page_loads_its_assets_under_a_strict_policy(
    live_server: LiveServer, context: Any
) -> None:
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    response = page.goto(live_server.url + "/")
    assert response is not None
    assert response.status == 200
    assert page.evaluate("typeof window.htmx") == "object"  # served from our origin
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert refused == []
    assert failed == []
    assert page.locator("h1").inner_text() == "Symphonia"
    accessibility(page, name="start page")
    screenshot(page, "start-page")


def test_pages_fit_a_phone_screen(live_server: LiveServer, browser: Any) -> None:
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    page = phone.new_page()
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "start-page-phone")
    phone.close()


def test_an_unknown_page_is_a_readable_404(live_server: LiveServer, context: Any) -> None:
    page = context.new_page()
    response = page.goto(live_server.url + "/no/such/page")
    assert response is not None
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    accessibility(page, name="404 page")
