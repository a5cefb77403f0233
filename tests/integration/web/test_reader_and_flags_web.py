"""Readers' pages, panellists' flags and their API on both databases: who may read what
(published versions only; one study's people only), the study's anonymity in pages, API
and downloads, a reader changing nothing, an editor of study A unable to answer study B's
flags, and publication refused while a flag is unanswered."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from symphonia.core.amendments import AmendmentAction, Change
from symphonia.core.synthesis import Section
from symphonia.db.enums import Anonymity
from symphonia.db.models import Participant, StatementFlag, Study
from symphonia.services.approving import approve_version
from symphonia.services.publishing import publish_version
from symphonia.services.workspace import workspace
from tests.integration.services.reading_setup import amended
from tests.integration.web.conftest import Web, csrf
from tests.integration.web.editing import analysed_cast
from tests.integration.web.people import OPERATOR, Cast

READ = "/studies/study-a/published"
API = "/api/v1/studies/study-a"
HIDDEN_NAME = "Dr Hidden Realname"


@pytest.fixture
async def cast(web: Web) -> Cast:
    cast = await analysed_cast(web)
    async with web.container.session() as s:
        for slug in ("study-a", "study-b"):
            await publish_version(s, slug, 1, 1, actor=OPERATOR)
        # a real name the pseudonymous study must never show
        await s.execute(update(Participant).values(display_name=HIDDEN_NAME))
        await s.commit()
    return cast


async def _post(
    client: AsyncTestClient[Litestar], path: str, fields: dict[str, str], form_page: str
) -> httpx.Response:
    token = await csrf(client, form_page)
    return await client.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


async def _my_first(cast: Cast) -> dict[str, Any]:
    async with cast.web.client() as api:
        mine = await api.get(f"{API}/my-statements", headers=cast.api_headers("expert_a"))
    assert mine.status_code == 200, mine.text
    statements = mine.json()["statements"]
    assert statements
    return dict(statements[0])


async def _move(cast: Cast, key: str | None, reason: str) -> tuple[int, int]:
    """Move statement `key` (default: the first outside the gaps) of study A's round 1 to
    the gaps: an unpublished version."""
    async with cast.web.container.session() as s:
        ws = await workspace(s, "study-a", 1, actor=OPERATOR)
    st = next(x for x in ws.statements if x.section is not Section.GAP and key in (None, x.key))
    change = Change(AmendmentAction.RECLASSIFY, st.key, section=Section.GAP)
    return await amended(cast.web.container.session, "study-a", change, reason, OPERATOR)


async def _draft_v2(cast: Cast) -> None:
    await _move(cast, None, "a gap")


async def test_a_reader_reads_versions_follows_evidence_and_downloads(cast: Cast) -> None:
    async with cast.client("reader_a") as reader:
        listing = await reader.get(READ)
        assert listing.status_code == 200, listing.text
        assert f'href="{READ}/1/1"' in listing.text
        version = await reader.get(f"{READ}/1/1")
        assert version.status_code == 200
        key = version.text.split('id="st-', 1)[1].split('"', 1)[0]
        evidence = await reader.get(f"{READ}/1/1/statements/{key}")
        assert evidence.status_code == 200
        assert "Stakeholder group" in evidence.text
        assert "E0" in evidence.text  # the pseudonym
        for page_ in (listing, version, evidence):
            assert HIDDEN_NAME not in page_.text
        expected = {
            "html": ("text/html", ".html"),
            "md": ("text/markdown", ".md"),
            "json": ("application/json", ".json"),
            "csv": ("application/zip", ".zip"),
            "docx": ("application/vnd.openxmlformats", ".docx"),
            "prov": ("application/json", ".prov.json"),
        }
        bodies = {}
        for fmt, (media, suffix) in expected.items():
            assert f'href="{READ}/1/1/download/{fmt}"' in version.text
            got = await reader.get(f"{READ}/1/1/download/{fmt}")
            assert got.status_code == 200, (fmt, got.text[:300])
            assert got.headers["content-type"].startswith(media)
            disposition = got.headers["content-disposition"]
            assert disposition.startswith("attachment;")
            assert disposition.endswith(f'{suffix}"')
            bodies[fmt] = got.content
        assert HIDDEN_NAME.encode() not in bodies["md"]
        assert HIDDEN_NAME.encode() not in bodies["json"]
        with zipfile.ZipFile(BytesIO(bodies["csv"])) as archive:
            assert all(HIDDEN_NAME.encode() not in archive.read(n) for n in archive.namelist())
        again = await reader.get(f"{READ}/1/1/download/md")
        assert again.content == bodies["md"]  # deterministic
        assert (await reader.get(f"{READ}/1/1/download/exe")).status_code == 404


async def test_drafts_and_other_studies_are_invisible_to_readers(cast: Cast) -> None:
    await _draft_v2(cast)
    for role in ("reader_a", "expert_a", "editor_a", "facilitator_a"):
        async with cast.client(role) as c:
            assert (await c.get(f"{READ}/1/2")).status_code == 404, role
            assert (await c.get(f"{READ}/1/2/download/md")).status_code == 404, role
            assert (await c.get(READ)).status_code == 200, role
    for role in ("expert_b", "facilitator_b"):
        async with cast.client(role) as c:
            assert (await c.get(READ)).status_code == 404, role
            assert (await c.get(f"{READ}/1/1/download/md")).status_code == 404, role
    async with cast.client("anonymous") as c:
        anonymous = await c.get(READ, follow_redirects=False)
        assert anonymous.status_code in (302, 303)
    async with cast.web.client() as api:
        for role in ("reader_a", "expert_a", "editor_a"):
            headers = cast.api_headers(role)
            got = await api.get(f"{API}/published/1/2", headers=headers)
            assert got.status_code == 404, role
        got = await api.get(f"{API}/published", headers=cast.api_headers("facilitator_b"))
        assert got.status_code == 404
        got = await api.get(f"{API}/published")
        assert got.status_code == 401


async def test_the_expert_sees_no_draft_and_only_their_own_flags(cast: Cast) -> None:
    await _draft_v2(cast)
    first = await _my_first(cast)
    async with cast.web.client() as api:
        mine = await api.get(f"{API}/my-statements", headers=cast.api_headers("expert_a"))
    assert {s["version"] for s in mine.json()["statements"]} == {1}
    async with cast.client("expert_a") as expert:
        page = await expert.get("/studies/study-a/my-statements")
        assert page.status_code == 200
        assert "(draft)" not in page.text
        done = await _post(
            expert,
            "/studies/study-a/my-statements/flag",
            {"round": "1", "version": "1", "key": first["key"], "comment": "Not my view"},
            "/studies/study-a/my-statements",
        )
        assert done.status_code == 303, done.text
        assert "Awaiting the editors" in (await expert.get("/studies/study-a/my-statements")).text
    # another panellist of study A (E02) sees none of E01's flags
    async with cast.web.container.session() as s:
        e02 = await s.scalar(
            select(Participant.id)
            .join(Study, Study.id == Participant.study_id)
            .where(Study.slug == "study-a", Participant.pseudonym == "E02")
        )
    assert e02 is not None
    cast.experts["expert_a2"] = e02
    async with cast.client("expert_a2") as other:
        theirs = await other.get("/studies/study-a/my-statements")
        assert theirs.status_code == 200
        assert "Not my view" not in theirs.text
        assert (await other.get("/studies/study-a/flags")).status_code == 403
    async with cast.client("expert_b") as outsider:
        assert (await outsider.get("/studies/study-a/my-statements")).status_code == 404


async def test_flag_to_answer_with_publication_waiting(cast: Cast) -> None:
    first = await _my_first(cast)
    async with cast.web.client() as api:
        refused = await api.post(
            f"{API}/flags",
            json={"round": 1, "version": 1, "statement": first["key"], "comment": " "},
            headers=cast.api_headers("expert_a"),
        )
        assert refused.status_code == 422
        raised = await api.post(
            f"{API}/flags",
            json={"round": 1, "version": 1, "statement": first["key"], "comment": "Wrong"},
            headers=cast.api_headers("expert_a"),
        )
        assert raised.status_code == 201, raised.text
        flag_id = raised.json()["id"]
        assert raised.json()["raised_by"] is None
    assert [m.to for m in cast.web.mailer.sent] == ["editor_a@example.org"]
    assert "Wrong" in cast.web.mailer.sent[0].text
    async with cast.client("editor_a") as editor:
        listed = await editor.get("/studies/study-a/flags")
        assert listed.status_code == 200
        assert "Wrong" in listed.text
        assert "E01" in listed.text  # pseudonymous: the editors see the pseudonym
        assert HIDDEN_NAME not in listed.text
        draft = await editor.get("/studies/study-a/rounds/1/draft")
        assert "Panellists&#39; flags" in draft.text or "Panellists' flags" in draft.text
    # publishing waits for the answer: web, API and the CLI's service alike
    edited, latest = await _move(cast, first["key"], "as E01 asked")
    async with cast.web.container.session() as s:
        await approve_version(s, "study-a", 1, latest, actor=OPERATOR)
    async with cast.client("facilitator_a") as facilitator:
        blocked = await _post(
            facilitator,
            "/studies/study-a/rounds/1/draft/publish",
            {"version": str(latest)},
            "/studies/study-a/rounds/1/draft",
        )
        assert blocked.status_code == 409
        assert "panellist flag(s) are unanswered" in blocked.text
    async with cast.web.client() as api:
        blocked_api = await api.post(
            "/api/v1/studies/study-a/rounds/1/draft/publish",
            json={"version": latest},
            headers=cast.api_headers("facilitator_a"),
        )
        assert blocked_api.status_code == 409
        assert "panellist flag(s) are unanswered" in blocked_api.text
        assert first["key"] in blocked_api.text
        # an editor of study A cannot answer through study B, nor study B's people at all
        wrong = await api.post(
            f"/api/v1/studies/study-b/flags/{flag_id}/answer",
            json={"answer": "kept", "reason": "x"},
            headers=cast.api_headers("editor_a"),
        )
        assert wrong.status_code == 404
        wrong = await api.post(
            f"{API}/flags/{flag_id}/answer",
            json={"answer": "kept", "reason": "x"},
            headers=cast.api_headers("facilitator_b"),
        )
        assert wrong.status_code == 404
        options = await api.get(f"{API}/flags", headers=cast.api_headers("editor_a"))
        assert options.json()[0]["amendments"][0]["version"] == edited
    async with cast.client("facilitator_b") as other:
        page = await _post(
            other,
            f"/studies/study-a/flags/{flag_id}/answer",
            {"answer": "kept", "reason": "x"},
            "/studies/study-b",
        )
        assert page.status_code == 404
    async with cast.client("editor_a") as editor:
        empty = await _post(
            editor,
            f"/studies/study-a/flags/{flag_id}/answer",
            {"answer": "kept", "reason": ""},
            "/studies/study-a/flags",
        )
        assert empty.status_code == 400
        assert "Error:" in empty.text
        answered = await _post(
            editor,
            f"/studies/study-a/flags/{flag_id}/answer",
            {"answer": "amended", "amendment": str(edited), "reason": ""},
            "/studies/study-a/flags",
        )
        assert answered.status_code == 303, answered.text
    async with cast.web.container.session() as s:
        stored = await s.scalar(select(StatementFlag))
        assert stored is not None
        assert stored.answer is not None
        await s.commit()  # end the lookup's transaction: the service opens its own
        await publish_version(s, "study-a", 1, latest, actor=OPERATOR)
    async with cast.client("expert_a") as expert:
        page = await expert.get("/studies/study-a/my-statements")
        assert f"amended in version {edited}" in page.text
    async with cast.client("reader_a") as reader:
        compared = await reader.get(f"{READ}/compare?before=1.1&after=1.{latest}")
        assert compared.status_code == 200
        assert "Moved between sections (1)" in compared.text
        assert "as E01 asked" in compared.text
        bad = await reader.get(f"{READ}/compare?before=1.9&after=1.{latest}")
        assert bad.status_code == 400
        assert "Error:" in bad.text
    async with cast.web.client() as api:
        compared_api = await api.get(
            f"{API}/published/compare",
            params={"before": "1.1", "after": "1"},
            headers=cast.api_headers("reader_a"),
        )
        assert compared_api.status_code == 200
        assert compared_api.json()["counts"]["moved"] == 1
        version = await api.get(f"{API}/published/1/{latest}", headers=cast.api_headers("reader_a"))
        assert version.json()["flags_answered"] == 1


async def test_a_reader_changes_nothing(cast: Cast) -> None:
    first = await _my_first(cast)
    async with cast.web.client() as api:
        raised = await api.post(
            f"{API}/flags",
            json={"round": 1, "version": 1, "statement": first["key"], "comment": "no"},
            headers=cast.api_headers("expert_a"),
        )
        flag_id = raised.json()["id"]
    posts = {
        "/studies/study-a/my-statements/flag": {
            "round": "1",
            "version": "1",
            "key": first["key"],
            "comment": "x",
        },
        f"/studies/study-a/flags/{flag_id}/answer": {"answer": "kept", "reason": "x"},
        "/studies/study-a/rounds/1/draft/publish": {"version": "1"},
        "/studies/study-a/rounds/1/draft/approve": {"version": "1"},
    }
    async with cast.client("reader_a") as reader:
        for path, fields in posts.items():
            got = await _post(reader, path, fields, READ)
            assert got.status_code == 403, (path, got.status_code)
    async with cast.web.client() as api:
        headers = cast.api_headers("reader_a")
        for path, body in (
            (f"{API}/flags", {"round": 1, "version": 1, "statement": first["key"], "comment": "x"}),
            (f"{API}/flags/{flag_id}/answer", {"answer": "kept", "reason": "x"}),
        ):
            got = await api.post(path, json=body, headers=headers)
            assert got.status_code == 403, path
    async with cast.web.container.session() as s:
        flags = list(await s.scalars(select(StatementFlag)))
    assert len(flags) == 1
    assert flags[0].answer is None


async def test_names_only_in_a_named_study(cast: Cast) -> None:
    async with cast.web.container.session() as s:
        await s.execute(update(Study).values(anonymity=Anonymity.NAMED))
        await s.commit()
    async with cast.client("reader_a") as reader:
        version = await reader.get(f"{READ}/1/1")
        key = version.text.split('id="st-', 1)[1].split('"', 1)[0]
        evidence = await reader.get(f"{READ}/1/1/statements/{key}")
        assert HIDDEN_NAME in evidence.text
    async with cast.web.container.session() as s:
        await s.execute(update(Study).values(anonymity=Anonymity.ANONYMOUS))
        await s.commit()
    async with cast.client("reader_a") as reader:
        evidence = await reader.get(f"{READ}/1/1/statements/{key}")
        assert HIDDEN_NAME not in evidence.text
        assert "the panel is anonymous" in evidence.text
    async with cast.web.client() as api:
        got = await api.get(
            f"{API}/published/1/1/statements/{key}", headers=cast.api_headers("reader_a")
        )
    assert {f["contributor"] for f in got.json()["fragments"]} == {None}
    exported = json.dumps(got.json())
    assert HIDDEN_NAME not in exported


async def test_the_reader_and_flags_api_is_in_the_openapi_schema(cast: Cast) -> None:
    async with cast.web.client() as client:
        schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/studies/{study}/published",
        "/api/v1/studies/{study}/published/{number}/{version}",
        "/api/v1/studies/{study}/published/{number}/{version}/statements/{key}",
        "/api/v1/studies/{study}/published/{number}/{version}/export/{fmt}",
        "/api/v1/studies/{study}/published/compare",
        "/api/v1/studies/{study}/my-statements",
        "/api/v1/studies/{study}/flags",
        "/api/v1/studies/{study}/flags/{flag_id}/answer",
    ):
        assert path in paths, path
    components = schema["components"]["schemas"]
    for name in ("ComparisonOut", "EvidenceOut", "FlagOut", "MyStatementsOut", "VersionOut"):
        assert any(name in k for k in components), name
