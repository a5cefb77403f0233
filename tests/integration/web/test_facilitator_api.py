"""The facilitators' JSON API end to end: the same use cases as the pages, typed in the
OpenAPI schema, bearer tokens only."""

from __future__ import annotations

import shutil
from pathlib import Path

from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.services.submissions import import_fragments
from tests.integration.web.conftest import Web
from tests.integration.web.facilitation import (
    OPERATOR,
    client_of,
    facilitator,
    until,
    working_app,
)

STUDY = {
    "id": "icb",
    "title": "ICB priorities",
    "question": "What first?",
    "groups": [{"id": "clin", "name": "Clinicians"}, {"id": "par", "name": "Parents"}],
    "rounds": [{"number": 1, "kind": "contribute"}, {"number": 2, "kind": "rate"}],
}
PANEL = "pseudonym,email,group\nE01,ann@example.org,clin\nE02,bea@example.org,par\n"


async def test_a_round_run_through_the_api(web: Web) -> None:
    app, _ = working_app(web)
    _, token = await facilitator(web)
    auth = {"Authorization": f"Bearer {token}"}
    async with client_of(app) as api:
        made = await api.post("/api/v1/studies", json=STUDY, headers=auth)
        assert made.status_code == 201, made.text
        assert made.json()["id"] == "icb"
        assert made.json()["created"] is True
        mine = (await api.get("/api/v1/studies", headers=auth)).json()["studies"]
        assert [(s["id"], s["roles"]) for s in mine] == [("icb", ["facilitator"])]
        assert [r["status"] for r in mine[0]["rounds"]] == ["draft", "draft"]

        protocol = (await api.get("/api/v1/studies/icb/protocol", headers=auth)).json()
        assert protocol["editable"] is True
        assert protocol["protocol"]["agreement_threshold"] == 0.7
        bad = {**protocol["protocol"], "agreement_threshold": 0.2, "scale": {"min": 1, "max": 2}}
        refused = await api.put("/api/v1/studies/icb/protocol", json=bad, headers=auth)
        assert refused.status_code == 422
        assert {p["field"] for p in refused.json()["problems"]} == {"scale", "agreement_threshold"}
        good = {**protocol["protocol"], "rule": "rand_ucla"}
        changed = await api.put("/api/v1/studies/icb/protocol", json=good, headers=auth)
        assert changed.json()["protocol"]["rule"] == "rand_ucla"

        bad_csv = {"csv": "pseudonym,email,group\nE01,x,y\n"}
        wrong = await api.post("/api/v1/studies/icb/panel", json=bad_csv, headers=auth)
        assert wrong.status_code == 422
        assert [(p["location"], p["field"]) for p in wrong.json()["problems"]] == [
            ("csv:2", "email")
        ]
        rows = [{"pseudonym": "E03", "group": "nurses"}]
        unknown = await api.post("/api/v1/studies/icb/panel", json={"rows": rows}, headers=auth)
        assert unknown.json()["problems"][0]["location"] == "rows:1"
        imported = await api.post("/api/v1/studies/icb/panel", json={"csv": PANEL}, headers=auth)
        assert imported.json()["added"] == ["E01", "E02"]

        sent = await api.post("/api/v1/studies/icb/invitations", json={}, headers=auth)
        assert sent.status_code == 202
        mailing = sent.headers["location"]

        async def finished() -> dict | None:  # type: ignore[type-arg]
            body = (await api.get(mailing, headers=auth)).json()
            return body if body["state"] != "sending" else None

        done = await until(finished)
        assert (done["state"], sorted(done["sent"])) == ("finished", ["E01", "E02"])
        panel = (await api.get("/api/v1/studies/icb/panel", headers=auth)).json()
        assert {p["invitation"] for p in panel["panellists"]} == {"invited"}
        live = panel["panellists"][0]["live_link"]
        revoked = await api.post(f"/api/v1/studies/icb/links/{live}/revoke", headers=auth)
        assert revoked.json()["pseudonym"] == "E01"

        opened = await api.post("/api/v1/studies/icb/rounds/1/open", headers=auth)
        assert opened.json()["status"] == "open"
        locked = await api.put("/api/v1/studies/icb/protocol", json=good, headers=auth)
        assert locked.status_code == 409
        async with web.container.session() as s:
            fragment = Fragment("f1", "E02", FragmentKind.CLAIM, "Records first.", 4)
            await import_fragments(s, "icb", 1, [fragment], actor=OPERATOR)
        reminded = await api.post("/api/v1/studies/icb/rounds/1/reminders", headers=auth)
        assert reminded.status_code == 202
        seen = (await api.get("/api/v1/studies/icb/participation", headers=auth)).json()
        assert seen["rounds"][0]["total"]["took_part"] == 1
        assert [g["label"] for g in seen["panel_by_group"]] == ["Clinicians", "Parents"]

        early = await api.post("/api/v1/studies/icb/rounds/1/analysis", json={}, headers=auth)
        assert early.status_code == 409  # the round is still open
        await api.post("/api/v1/studies/icb/rounds/1/close", headers=auth)
        asked = await api.post("/api/v1/studies/icb/rounds/1/analysis", json={}, headers=auth)
        assert asked.status_code in (200, 202), asked.text
        run_url = asked.headers["location"]

        async def succeeded() -> dict | None:  # type: ignore[type-arg]
            body = (await api.get(run_url, headers=auth)).json()
            return body if body["status"] in ("succeeded", "failed") else None

        run = await until(succeeded)
        assert (run["status"], run["version"]) == ("succeeded", 1)
        assert run["themes"] + run["singular_views"] == 1  # one fragment: one singular view
        llm = await api.post(
            "/api/v1/studies/icb/rounds/1/analysis", json={"drafter": "llm"}, headers=auth
        )
        assert llm.status_code == 422


async def test_a_study_is_loaded_from_a_listed_folder_only(
    web: Web, demo_study_dir: Path, tmp_path: Path
) -> None:
    rounds = tmp_path / "rounds"
    shutil.copytree(demo_study_dir, rounds / "connected-icb")
    app, _ = working_app(web, rounds_dir=rounds)
    _, token = await facilitator(web)
    auth = {"Authorization": f"Bearer {token}"}
    async with client_of(app) as api:
        folders = (await api.get("/api/v1/study-folders", headers=auth)).json()["folders"]
        assert [(f["name"], f["study_id"]) for f in folders] == [("connected-icb", "connected-icb")]
        escape = await api.post(
            "/api/v1/studies/load", json={"folder": "../rounds/connected-icb"}, headers=auth
        )
        assert escape.status_code == 422
        loaded = await api.post(
            "/api/v1/studies/load", json={"folder": "connected-icb"}, headers=auth
        )
        assert loaded.status_code == 201
        again = await api.post(
            "/api/v1/studies/load", json={"folder": "connected-icb"}, headers=auth
        )
        assert (again.status_code, again.json()["changed"]) == (200, False)


async def test_the_schema_describes_the_facilitators_api(web: Web) -> None:
    async with web.client() as api:
        schema = (await api.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/studies",
        "/api/v1/studies/load",
        "/api/v1/studies/{study}/protocol",
        "/api/v1/studies/{study}/panel",
        "/api/v1/studies/{study}/invitations",
        "/api/v1/studies/{study}/rounds/{number}/open",
        "/api/v1/studies/{study}/rounds/{number}/close",
        "/api/v1/studies/{study}/participation",
        "/api/v1/studies/{study}/rounds/{number}/analysis",
        "/api/v1/studies/{study}/runs/{run_id}",
    ):
        assert path in paths, path
    models = schema["components"]["schemas"]
    for name in ("StudyIn", "ProtocolBody", "PanelIn", "MailingOut", "ParticipationOut", "RunOut"):
        assert name in models, name
    assert models["ProtocolBody"]["properties"]["rule"]["enum"] == ["percent_iqr", "rand_ucla"]
