"""The facilitator's pages end to end through the app (no browser): create a study, set its
protocol, import and invite its panel, open and close a round, analyse it and follow the
run to the end; and what each form does with bad input."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.interchange.panel import parse_panel
from symphonia.services.panel import import_panel
from symphonia.services.submissions import import_fragments
from tests.integration.web.conftest import Web
from tests.integration.web.facilitation import (
    OPERATOR,
    PROTOCOL_FORM,
    client_of,
    facilitator,
    form_token,
    sign_in,
    until,
    working_app,
)


async def import_panel_and(s: Any, fragment: Fragment) -> None:
    """E01 on the panel, and their fragment in the open round 1."""
    rows = parse_panel("pseudonym,email,group\nE01,ann@example.org,clin\n").records
    await import_panel(s, "icb", rows, source="test", actor=OPERATOR)
    await import_fragments(s, "icb", 1, [fragment], actor=OPERATOR)


STUDY_FORM = {
    "slug": "icb",
    "title": "ICB priorities",
    "question": "What should the programme do first?",
    "description": "",
    "anonymity": "pseudonymous",
    "groups": "clin: Clinicians\npar: Parents\n",
    "round1_kind": "contribute",
    "round2_kind": "rate",
}
PANEL = "pseudonym,email,group\nE01,ann@example.org,clin\nE02,bea@example.org,par\nE03,,par\n"


async def _post(
    client: AsyncTestClient[Litestar], path: str, fields: dict[str, str], form_page: str
):  # type: ignore[no-untyped-def]
    token = await form_token(client, form_page)
    return await client.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


async def test_a_round_run_by_a_facilitator_in_the_browser(web: Web) -> None:
    app, _ = working_app(web)
    account, _ = await facilitator(web)
    async with client_of(app) as client:
        await sign_in(client, web, account.id)
        made = await _post(client, "/studies/new", STUDY_FORM, "/studies/new")
        assert made.status_code in (302, 303), made.text
        assert made.headers["location"] == "/studies/icb"
        front = await client.get("/studies/icb")
        assert 'href="/studies/icb/rounds/1/open"' in front.text
        assert 'href="/studies/icb/panel"' in front.text

        fields = {**PROTOCOL_FORM, "rule": "rand_ucla", "agreement_threshold": "75%"}
        saved = await _post(client, "/studies/icb/protocol", fields, "/studies/icb/protocol")
        assert saved.headers["location"] == "/studies/icb/protocol?saved=true"
        shown = (await client.get("/studies/icb/protocol?saved=true")).text
        assert "The protocol is saved" in shown
        assert 'value="75"' in shown

        token = await form_token(client, "/studies/icb/panel")
        imported = await client.post(
            "/studies/icb/panel",
            files={"panel_file": ("panel.csv", PANEL.encode(), "text/csv")},
            data={"_csrf_token": token, "panel_text": ""},
        )
        assert imported.status_code == 200, imported.text
        assert "Panel list imported" in imported.text
        assert "E01, E02, E03" in imported.text

        invited = await _post(
            client, "/studies/icb/invitations", {"scope": "all"}, "/studies/icb/panel"
        )
        assert invited.status_code in (302, 303)
        mailing = invited.headers["location"]
        assert re.fullmatch(r"/studies/icb/mailings/[0-9a-f-]{36}", mailing)

        async def finished() -> str | None:
            text = (await client.get(mailing + "/progress")).text
            return text if "hx-trigger" not in text else None

        progress = await until(finished)
        assert "2 of 2 sent" in progress
        assert "E03: no email address" in progress
        assert sorted(m.to for m in web.mailer.sent) == ["ann@example.org", "bea@example.org"]
        panel = (await client.get("/studies/icb/panel")).text
        assert panel.count("Invited</strong>") == 2

        confirm = await client.get("/studies/icb/rounds/1/open")
        assert "The protocol locks" in confirm.text
        opened = await _post(client, "/studies/icb/rounds/1/open", {}, "/studies/icb/rounds/1/open")
        assert opened.status_code in (302, 303)
        locked = (await client.get("/studies/icb/protocol")).text
        assert "Locked" in locked
        assert 'name="rule"' not in locked

        async with web.container.session() as s:
            await import_fragments(
                s,
                "icb",
                1,
                [
                    Fragment("f1", "E01", FragmentKind.CLAIM, "Shared care records first.", 4),
                    Fragment("f2", "E02", FragmentKind.BARRIER, "Consent rules are unclear.", 3),
                ],
                actor=OPERATOR,
            )
        seen = (await client.get("/studies/icb/participation")).text
        assert "<svg" in seen
        assert "Round 1: 2 of 3" in seen

        closed = await _post(
            client, "/studies/icb/rounds/1/close", {}, "/studies/icb/rounds/1/close"
        )
        assert closed.headers["location"] == "/studies/icb/rounds/1/analysis"
        asked = await _post(
            client,
            "/studies/icb/rounds/1/analysis",
            {"drafter": "extractive"},
            "/studies/icb/rounds/1/analysis",
        )
        run_page = asked.headers["location"]

        async def done() -> str | None:
            text = (await client.get(run_page + "/progress")).text
            return text if "hx-trigger" not in text else None

        result = await until(done)
        assert "Analysis finished" in result
        link = re.search(r'href="([^"]+report\.md)"', result)
        assert link is not None
        report = await client.get(link.group(1))
        assert report.status_code == 200
        assert "Shared care records first." in report.text


async def test_bad_input_comes_back_beside_its_field(web: Web) -> None:
    account, _ = await facilitator(web)
    async with web.client() as client:
        await sign_in(client, web, account.id)
        bad = {
            **STUDY_FORM,
            "slug": "no spaces",
            "groups": "clin Clinicians",
            "round1_opens": "soon",
        }
        refused = await _post(client, "/studies/new", bad, "/studies/new")
        assert refused.status_code == 400
        assert "Error: New study" in refused.text
        assert 'href="#groups"' in refused.text
        assert 'href="#round1_opens"' in refused.text
        fixed = {**STUDY_FORM, "slug": "no spaces"}
        refused = await _post(client, "/studies/new", fixed, "/studies/new")
        assert 'href="#slug"' in refused.text
        assert "not a valid id" in refused.text
        made = await _post(client, "/studies/new", STUDY_FORM, "/studies/new")
        assert made.status_code in (302, 303)
        taken = await _post(client, "/studies/new", STUDY_FORM, "/studies/new")
        assert "is taken" in taken.text

        wrong = {
            "rule": "rand_ucla",
            "scale_min": "1",
            "scale_max": "2",
            "agreement_threshold": "lots",
        }
        protocol = await _post(client, "/studies/icb/protocol", wrong, "/studies/icb/protocol")
        assert protocol.status_code == 400
        assert 'href="#agreement_threshold"' in protocol.text
        assert "Enter a percentage" in protocol.text

        token = await form_token(client, "/studies/icb/panel")
        listed = await client.post(
            "/studies/icb/panel",
            data={"_csrf_token": token, "panel_text": "pseudonym,email,group\nE01,x,nurses\n"},
            files={"panel_file": ("", b"", "application/octet-stream")},
        )
        assert listed.status_code == 400
        assert "The panel list was not imported" in listed.text
        assert "pasted list, line 2: email:" in listed.text
        assert "unknown stakeholder group" not in listed.text  # the reader refuses first
        token = await form_token(client, "/studies/icb/panel")
        unknown = await client.post(
            "/studies/icb/panel",
            data={
                "_csrf_token": token,
                "panel_text": "pseudonym,email,group\nE01,a@b.org,nurses\n",
            },
            files={"panel_file": ("", b"", "application/octet-stream")},
        )
        assert "unknown stakeholder group" in unknown.text
        latin1 = await client.post(
            "/studies/icb/panel",
            data={"_csrf_token": token},
            files={"panel_file": ("p.csv", "pseudonym\nÉ01\n".encode("latin-1"), "text/csv")},
        )
        assert "not valid UTF-8" in latin1.text


async def test_a_second_request_gets_the_run_already_under_way(web: Web) -> None:
    """No worker runs here: the run stays pending, and the pages say so."""
    account, _ = await facilitator(web)
    async with web.client() as client:
        await sign_in(client, web, account.id)
        await _post(client, "/studies/new", STUDY_FORM, "/studies/new")
        await _post(client, "/studies/icb/rounds/1/open", {}, "/studies/icb/rounds/1/open")
        async with web.container.session() as s:
            fragment = Fragment("f1", "E01", FragmentKind.CLAIM, "Records first.", 4)
            await import_panel_and(s, fragment)
        await _post(client, "/studies/icb/rounds/1/close", {}, "/studies/icb/rounds/1/close")
        path = "/studies/icb/rounds/1/analysis"
        first = await _post(client, path, {"drafter": "extractive"}, path)
        second = await _post(client, path, {"drafter": "extractive"}, path)
        assert first.headers["location"] == second.headers["location"]
        listed = (await client.get(path)).text
        assert "waiting to start" in listed
        assert "Start the analysis" not in listed
        run_page = (await client.get(first.headers["location"])).text
        assert '<meta http-equiv="refresh"' in run_page
        assert 'hx-trigger="every 1s"' in run_page
        assert "Waiting for the worker" in run_page
        llm = await _post(client, path, {"drafter": "llm"}, path)
        assert llm.status_code == 400  # no endpoint is configured here
