"""A whole round in a real browser against a real `symphonia serve`: the facilitator signs in
with the first-run link the server prints, loads a study from its folder, imports the panel
(a CSV upload) and invites it; the expert opens the invitation from the outbox, saves a
draft, closes the browser, comes back with a fresh link by email, and submits; the
facilitator closes the round, starts the analysis and watches it finish. axe-core checks
every page visited; the main pages are kept as screenshots (test-output/screenshots/).

The expert's pages come from the expert side of the platform (`symphonia.web.pages.
contribute`, built in parallel). Where they are not installed yet, the expert's fragments
reach the open round the other way the platform offers, `symphonia fragments import`, and
the test says so in its output: the facilitator's side runs whole either way.
"""

from __future__ import annotations

import email
import importlib.util
import json
import re
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, accessibility, screenshot, start_server, stop_server

STUDY = "e2e-panel"
EXPERT_EMAIL = "ann.expert@example.org"
DRAFT = "Shared care records across GPs and schools would end repeat referrals."
EXPERT_PAGES = importlib.util.find_spec("symphonia.web.pages.contribute") is not None
STUDY_TOML = f"""
[study]
id = "{STUDY}"
title = "Joined-up care for children"
question = "What should a joined-up children's service do first?"
anonymity = "pseudonymous"

[[groups]]
id = "clinician"
name = "Clinicians"

[[groups]]
id = "parent"
name = "Parents and carers"

[[rounds]]
number = 1
kind = "contribute"

[[rounds]]
number = 2
kind = "rate"
"""
PANEL_CSV = (
    "pseudonym,email,group,role,name\n"
    f"E01,{EXPERT_EMAIL},clinician,expert,\n"
    "E02,bea.expert@example.org,parent,expert,\n"
    ",ed.editor@example.org,,editor,Ed Itor\n"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server with one study folder on offer and no account yet (a first run)."""
    rounds = tmp_path / "rounds"
    (rounds / STUDY).mkdir(parents=True)
    (rounds / STUDY / "study.toml").write_text(STUDY_TOML, encoding="utf-8")
    live = start_server(
        tmp_path / "server-data",
        {"SYMPHONIA_ROUNDS_DIR": str(rounds), "SYMPHONIA_FIRST_FACILITATOR": "fac@example.org"},
    )
    yield live
    stop_server(live)


def first_run_link(server: LiveServer) -> str:
    found = re.search(
        r"First run: sign in as the facilitator \S+ with (\S+)", server.log.read_text()
    )
    assert found, server.log.read_text()
    return found.group(1)


def outbox_links(server: LiveServer, to: str) -> list[str]:
    """The sign-in links in the messages written to the outbox for `to`, oldest first."""
    links = []
    for path in sorted((server.data_dir / "outbox").glob("*.eml")):
        message: Message = email.message_from_bytes(path.read_bytes())
        if message["To"] != to:
            continue
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        links += re.findall(r"https?://\S+/sign-in/\S+", body.decode())
    return links


def visit(page: Any, name: str, *, shot: str | None = None) -> None:
    accessibility(page, name=name)
    if shot:
        screenshot(page, shot)


def use_link(page: Any, link: str) -> None:
    page.goto(link)
    visit(page, "sign-in link page")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/studies$"))


def test_a_round_from_loading_the_study_to_its_analysis(
    server: LiveServer, browser: Any, tmp_path: Path
) -> None:
    fac = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    use_link(fac, first_run_link(server))
    visit(fac, "studies, empty", shot="facilitator-studies-empty")

    fac.get_by_role("link", name="New study").click()
    visit(fac, "new study form", shot="facilitator-new-study")
    fac.get_by_role("link", name="Load it from its folder").click()
    visit(fac, "load a study")
    fac.get_by_label("Joined-up care for children").check()
    fac.get_by_role("button", name="Load study").click()
    fac.wait_for_url(re.compile(f"/studies/{STUDY}$"))
    visit(fac, "study page", shot="facilitator-study")

    fac.get_by_role("link", name="Protocol").click()
    visit(fac, "protocol form", shot="facilitator-protocol")
    fac.get_by_label("Agreement threshold").fill("75")
    fac.get_by_role("button", name="Save protocol").click()
    fac.get_by_text("The protocol is saved").wait_for()

    fac.get_by_role("link", name="Panel").click()
    visit(fac, "panel, empty")
    csv_file = tmp_path / "panel.csv"
    csv_file.write_text(PANEL_CSV, encoding="utf-8")
    fac.get_by_label("Upload a CSV file").set_input_files(str(csv_file))
    fac.get_by_role("button", name="Import panel list").click()
    fac.get_by_text("Panel list imported").wait_for()
    visit(fac, "panel after import", shot="facilitator-panel-imported")
    fac.get_by_role("button", name=re.compile(r"^Invite everyone not yet invited \(2\)")).click()
    fac.wait_for_url(re.compile(r"/mailings/"))
    fac.get_by_text("2 of 2 sent.").wait_for(timeout=30_000)
    visit(fac, "mailing page", shot="facilitator-invitations-sent")

    fac.get_by_role("link", name="Overview").click()
    fac.get_by_role("link", name="Open round 1").click()
    visit(fac, "confirm opening", shot="facilitator-confirm-open")
    fac.get_by_role("button", name="Yes, open round 1").click()
    fac.wait_for_url(re.compile(f"/studies/{STUDY}$"))

    [invitation] = outbox_links(server, EXPERT_EMAIL)
    if EXPERT_PAGES:
        expert_contributes(server, browser, invitation)
    else:  # the expert side is not installed: the operator imports the expert's evidence
        print("expert pages not installed: round 1's fragments come from the command line")
        fragments = tmp_path / "round1.jsonl"
        fragments.write_text(
            json.dumps(
                {"id": "f1", "author": "E01", "kind": "claim", "text": DRAFT, "confidence": 4}
            )
            + "\n",
            encoding="utf-8",
        )
        server.cli("fragments", "import", STUDY, "1", str(fragments))

    fac.get_by_role("link", name="Participation").click()
    fac.get_by_text("1 of 2, 50%").first.wait_for()
    visit(fac, "participation", shot="facilitator-participation")
    fac.get_by_role("link", name="Overview").click()
    fac.get_by_role("link", name="Close round 1").click()
    visit(fac, "confirm closing", shot="facilitator-confirm-close")
    fac.get_by_role("button", name="Yes, close round 1").click()
    fac.wait_for_url(re.compile(r"/rounds/1/analysis$"))
    visit(fac, "analysis page", shot="facilitator-analysis")
    fac.get_by_role("button", name="Start the analysis").click()
    fac.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}$"))
    assert fac.locator("#run-progress").count() == 1
    visit(fac, "run page while it runs", shot="facilitator-run-progress")
    fac.get_by_role("heading", name="Analysis finished").wait_for(timeout=300_000)
    assert fac.locator("#run-progress[hx-trigger]").count() == 0  # the polling stopped
    visit(fac, "run page when finished", shot="facilitator-run-finished")
    report = fac.get_by_role("link", name=re.compile("Read the draft synthesis"))
    response = fac.request.get(server.url + report.get_attribute("href"))
    assert response.ok
    assert DRAFT in response.text()

    # the report as a file, rendered by a job while its page follows it
    fac.get_by_label(re.compile("Export the report of version")).select_option("md")
    fac.get_by_role("button", name="Export").click()
    fac.wait_for_url(re.compile(r"/exports/[0-9a-f-]{36}$"))
    fac.get_by_text("Ready:").wait_for(timeout=60_000)
    visit(fac, "export page", shot="facilitator-export-ready")
    exported = fac.request.get(server.url + fac.locator("#export-download").get_attribute("href"))
    assert exported.ok
    assert DRAFT in exported.text()


def expert_contributes(server: LiveServer, browser: Any, invitation: str) -> None:
    """The expert's side, driven by what the expert sees: the invitation, a draft saved,
    the browser closed, a fresh link by email, the draft found again and submitted."""
    first = browser.new_context(viewport={"width": 1280, "height": 900})
    page = first.new_page()
    use_link(page, invitation)
    visit(page, "expert's studies", shot="expert-studies")
    page.get_by_role("link", name="Contribute to round 1").first.click()
    visit(page, "expert's round page")
    page.get_by_label("Claim", exact=True).check()
    page.get_by_label("Your fragment").fill(DRAFT)
    page.get_by_label("4: Confident", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text(re.compile(r"Draft saved at \d\d:\d\d")).first.wait_for(timeout=15_000)
    screenshot(page, "expert-draft-saved")
    first.close()  # the browser is closed: only the server remembers the draft

    second = browser.new_context(viewport={"width": 1280, "height": 900})
    page = second.new_page()
    page.goto(server.url + "/sign-in/new-link")
    visit(page, "new sign-in link")
    page.get_by_label("Email address").fill(EXPERT_EMAIL)
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    use_link(page, outbox_links(server, EXPERT_EMAIL)[-1])
    page.get_by_role("link", name="Contribute to round 1").first.click()
    assert page.get_by_label("Your fragment").input_value() == DRAFT
    page.get_by_role("button", name="Submit fragment").click()
    page.get_by_text(re.compile(r"Your fragment E01-[0-9a-f]{8} was submitted")).wait_for()
    visit(page, "expert's round after submitting", shot="expert-submitted")
    second.close()
