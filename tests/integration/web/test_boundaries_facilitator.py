"""Who gets what on every facilitator page and API route: each of anonymous, expert of A,
expert of B, editor of A, reader of A, facilitator of A and facilitator of B asks study A's
route. A role without the permission in a study it can see gets 403; a study it cannot see
is 404, worded as for a study that does not exist, and never shows study A's data.
Forms and htmx requests without their CSRF token are refused; used, expired and revoked
invitations do not sign anyone in."""

from __future__ import annotations

import dataclasses
import datetime
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from symphonia.db.enums import RunStatus
from symphonia.db.models import Account, AnalysisRun, LinkPurpose, Participant, Round, SignInLink
from symphonia.interchange.panel import parse_panel
from symphonia.services.panel import import_panel
from symphonia.services.tokens import hash_secret, issue_sign_in_link
from tests.integration.web.conftest import Web, token_of
from tests.integration.web.facilitation import form_token, until, working_app
from tests.integration.web.people import OPERATOR, ROLES, Cast, cast_of_two_studies

A = "/studies/study-a"
API = "/api/v1/studies/study-a"
SEES_A = ("expert_a", "editor_a", "reader_a", "facilitator_a")
SECRETS = ("Study STUDY-A", "e01.a@example.org", "What should study-a do first?")
"""Study A's data, which no refusal may show."""


def expected(holders: tuple[str, ...], ok: int, *, api: bool) -> dict[str, int]:
    """Status per role for a route of study A needing a permission `holders` have."""
    out = {"anonymous": 401 if api else 302, "expert_b": 404, "facilitator_b": 404}
    out.update({role: ok if role in holders else 403 for role in SEES_A})
    return out


def creators(ok: int, *, api: bool) -> dict[str, int]:
    """Routes for accounts that may create studies (both facilitators here)."""
    out = {role: 403 for role in ROLES}
    out.update({"anonymous": 401 if api else 302, "facilitator_a": ok, "facilitator_b": ok})
    return out


FACILITATOR = ("facilitator_a",)
PARTICIPATION = ("editor_a", "facilitator_a")


@dataclasses.dataclass
class Ids:
    run: uuid.UUID
    link: uuid.UUID


async def _cast(web: Web, tmp_path: Path, demo_study_dir: Path) -> tuple[Cast, Ids]:
    """The two-study cast on an app with a study folder on offer, the facilitators allowed
    to create studies, every expert with an address, a pending run and a live link in A."""
    rounds = tmp_path / "rounds"
    shutil.copytree(demo_study_dir, rounds / "connected-icb")
    app, _ = working_app(web, rounds_dir=rounds, run_worker=False)
    cast = await cast_of_two_studies(dataclasses.replace(web, app=app))
    async with web.container.session() as s, s.begin():
        await s.execute(
            update(Account)
            .where(Account.id.in_([cast.accounts["facilitator_a"], cast.accounts["facilitator_b"]]))
            .values(may_create_studies=True)
        )
    async with web.container.session() as s:
        for slug in ("a", "b"):
            text = "pseudonym,email,group\n" + "".join(
                f"E0{n},e0{n}.{slug}@example.org,{g}\n"
                for n, g in ((1, "clin"), (2, "clin"), (3, "par"))
            )
            rows = parse_panel(text).records
            await import_panel(s, f"study-{slug}", rows, source="test", actor=OPERATOR)
    async with web.container.session() as s, s.begin():
        round_id = await s.scalar(select(Round.id).where(Round.study_id == cast.studies["a"]))
        run = AnalysisRun(round_id=round_id, status=RunStatus.PENDING, options={}, progress={})
        s.add(run)
    async with web.container.session() as s:
        async with s.begin():
            e02 = await s.scalar(
                select(Participant.id).where(
                    Participant.study_id == cast.studies["a"], Participant.pseudonym == "E02"
                )
            )
        link = await issue_sign_in_link(
            s, participant_id=e02, purpose=LinkPurpose.INVITATION, actor=OPERATOR
        )
    return cast, Ids(run.id, link.id)


async def become(client: AsyncTestClient[Litestar], cast: Cast, role: str) -> None:
    """Sign `client` in as `role` (anonymous: nobody), forgetting whoever it was before.
    One client (one app lifespan) plays every role in turn: several test clients on one app
    would each run it on their own event loop, sharing its database pool across threads."""
    client.cookies.clear()
    if role == "anonymous":
        return
    async with cast.web.container.session() as s:
        if role.startswith("expert"):
            issued = await issue_sign_in_link(s, participant_id=cast.experts[role], actor=OPERATOR)
        else:
            issued = await issue_sign_in_link(s, account_id=cast.accounts[role], actor=OPERATOR)
    path = f"/sign-in/{issued.token}"
    signed = await _post_form(client, path, {})
    assert signed.status_code in (302, 303), signed.text


def _no_leak(role: str, status: int, text: str) -> None:
    if status in (302, 401, 404) or role.endswith("_b"):
        for secret in SECRETS:
            assert secret not in text, f"{role} got {status} showing {secret!r}"


async def _post_form(
    client: AsyncTestClient[Litestar], path: str, fields: dict[str, str], files: Any = None
) -> Any:
    token = await form_token(client, "/sign-in")
    data = {**fields, "_csrf_token": token}
    return await client.post(path, data=data, files=files, follow_redirects=False)


READ_PAGES: list[tuple[str, Callable[[Ids], str], dict[str, int]]] = [
    ("new study", lambda i: "/studies/new", creators(200, api=False)),
    ("load a study", lambda i: "/studies/load", creators(200, api=False)),
    ("protocol", lambda i: f"{A}/protocol", expected(SEES_A, 200, api=False)),
    ("panel", lambda i: f"{A}/panel", expected(FACILITATOR, 200, api=False)),
    ("participation", lambda i: f"{A}/participation", expected(PARTICIPATION, 200, api=False)),
    ("confirm close", lambda i: f"{A}/rounds/1/close", expected(FACILITATOR, 200, api=False)),
    ("confirm open", lambda i: f"{A}/rounds/2/open", expected(FACILITATOR, 200, api=False)),
    ("analysis", lambda i: f"{A}/rounds/1/analysis", expected(FACILITATOR, 200, api=False)),
    ("run", lambda i: f"{A}/runs/{i.run}", expected(FACILITATOR, 200, api=False)),
    ("run progress", lambda i: f"{A}/runs/{i.run}/progress", expected(FACILITATOR, 200, api=False)),
]


async def test_every_facilitator_page_answers_each_role_as_it_should(
    web: Web, tmp_path: Path, demo_study_dir: Path
) -> None:
    cast, ids = await _cast(web, tmp_path, demo_study_dir)
    async with cast.web.client() as client:
        for role in ROLES:
            await become(client, cast, role)
            for name, path_of, statuses in READ_PAGES:
                got = await client.get(path_of(ids), follow_redirects=False)
                assert got.status_code == statuses[role], (name, role, got.status_code)
                _no_leak(role, got.status_code, got.text)
        # another study's run, asked for under the name of a study it may see, is not found
        got = await client.get(f"/studies/study-b/runs/{ids.run}")
        assert got.status_code == 404


PANEL_CSV = "pseudonym,email,group\nE04,e04@example.org,par\n"
NEW_STUDY = {
    "slug": "s-{role}",
    "title": "T",
    "question": "Q?",
    "groups": "g: G",
    "round1_kind": "contribute",
}
ONLY_FACILITATOR = {
    status: expected(FACILITATOR, status, api=False) for status in (200, 302, 400, 409)
}
POSTS: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("new study", "/studies/new", NEW_STUDY, creators(302, api=False)),
    (
        "load",  # B's facilitator loads it first; then its id is taken for A's facilitator
        "/studies/load",
        {"folder": "connected-icb"},
        {**creators(302, api=False), "facilitator_a": 400},
    ),
    ("protocol", f"{A}/protocol", {"rule": "percent_iqr"}, ONLY_FACILITATOR[409]),
    ("invite", f"{A}/invitations", {"scope": "all"}, ONLY_FACILITATOR[302]),
    ("remind", f"{A}/rounds/1/reminders", {}, ONLY_FACILITATOR[302]),
    ("revoke", f"{A}/links/{{link}}/revoke", {}, ONLY_FACILITATOR[200]),
    ("open round 2", f"{A}/rounds/2/open", {}, ONLY_FACILITATOR[409]),
    # the pending run of round 1 (no worker here) is the one a request is sent to
    ("analyse", f"{A}/rounds/1/analysis", {"drafter": "extractive"}, ONLY_FACILITATOR[302]),
    ("close round 1", f"{A}/rounds/1/close", {}, ONLY_FACILITATOR[302]),
]


@pytest.mark.parametrize(("name", "path", "fields", "statuses"), POSTS, ids=[p[0] for p in POSTS])
async def test_every_facilitator_form_answers_each_role_as_it_should(
    web: Web,
    tmp_path: Path,
    demo_study_dir: Path,
    name: str,
    path: str,
    fields: dict[str, str],
    statuses: dict[str, int],
) -> None:
    cast, ids = await _cast(web, tmp_path, demo_study_dir)
    order = [r for r in ROLES if r != "facilitator_a"] + ["facilitator_a"]  # who may, last
    async with cast.web.client() as client:
        for role in order:
            await become(client, cast, role)
            filled = {k: v.format(role=role.replace("_", "-")) for k, v in fields.items()}
            got = await _post_form(client, path.format(link=ids.link), filled)
            assert got.status_code == statuses[role], (name, role, got.status_code, got.text[:300])
            _no_leak(role, got.status_code, got.text)


async def test_the_panel_import_answers_each_role_as_it_should(
    web: Web, tmp_path: Path, demo_study_dir: Path
) -> None:
    cast, _ = await _cast(web, tmp_path, demo_study_dir)
    statuses = expected(FACILITATOR, 200, api=False)
    order = [r for r in ROLES if r != "facilitator_a"] + ["facilitator_a"]
    async with cast.web.client() as client:
        for role in order:
            await become(client, cast, role)
            files = {"panel_file": ("panel.csv", PANEL_CSV.encode(), "text/csv")}
            got = await _post_form(client, f"{A}/panel", {}, files)
            assert got.status_code == statuses[role], (role, got.status_code)
            _no_leak(role, got.status_code, got.text)


async def test_a_mail_batch_is_followed_only_by_who_may_manage_the_panel(
    web: Web, tmp_path: Path, demo_study_dir: Path
) -> None:
    cast, _ = await _cast(web, tmp_path, demo_study_dir)
    async with cast.web.client() as client:
        await become(client, cast, "facilitator_a")
        started = await _post_form(client, f"{A}/invitations", {"scope": "all"})
        page = started.headers["location"]
        statuses = expected(FACILITATOR, 200, api=False)
        for role in ROLES:
            await become(client, cast, role)
            for path in (page, page + "/progress"):
                got = await client.get(path, follow_redirects=False)
                assert got.status_code == statuses[role], (role, path, got.status_code)
                _no_leak(role, got.status_code, got.text)
        elsewhere = page.replace("study-a", "study-b")
        assert (await client.get(elsewhere)).status_code == 404  # as facilitator_b


READ_API: list[tuple[str, Callable[[Ids], str], dict[str, int]]] = [
    ("folders", lambda i: "/api/v1/study-folders", creators(200, api=True)),
    ("protocol", lambda i: f"{API}/protocol", expected(SEES_A, 200, api=True)),
    ("panel", lambda i: f"{API}/panel", expected(FACILITATOR, 200, api=True)),
    ("participation", lambda i: f"{API}/participation", expected(PARTICIPATION, 200, api=True)),
    ("run", lambda i: f"{API}/runs/{i.run}", expected(FACILITATOR, 200, api=True)),
]


async def test_every_facilitator_api_read_answers_each_role_as_it_should(
    web: Web, tmp_path: Path, demo_study_dir: Path
) -> None:
    cast, ids = await _cast(web, tmp_path, demo_study_dir)
    async with cast.web.client() as api:
        for name, path_of, statuses in READ_API:
            for role in ROLES:
                got = await api.get(path_of(ids), headers=cast.api_headers(role))
                assert got.status_code == statuses[role], (name, role, got.status_code)
                _no_leak(role, got.status_code, got.text)
        for role in ROLES:
            listed = await api.get("/api/v1/studies", headers=cast.api_headers(role))
            if role == "anonymous":
                assert listed.status_code == 401
                continue
            ids_listed = {s["id"] for s in listed.json()["studies"]}
            assert ("study-a" in ids_listed) == (role in SEES_A), role
            _no_leak(role, 404 if role.endswith("_b") else 200, listed.text)
        started = await api.post(
            f"{API}/invitations", json={}, headers=cast.api_headers("facilitator_a")
        )
        assert started.status_code == 202
        statuses = expected(FACILITATOR, 200, api=True)
        for role in ROLES:
            got = await api.get(started.headers["location"], headers=cast.api_headers(role))
            assert got.status_code == statuses[role], (role, got.status_code)


API_FACILITATOR = {status: expected(FACILITATOR, status, api=True) for status in (200, 202, 409)}
WRITE_API: list[tuple[str, str, str, dict[str, Any], dict[str, int]]] = [
    (
        "create",
        "POST",
        "/api/v1/studies",
        {"id": "s-{role}", "title": "T", "question": "Q?"},
        creators(201, api=True),
    ),
    (
        "load",
        "POST",
        "/api/v1/studies/load",
        {"folder": "connected-icb"},
        {**creators(201, api=True), "facilitator_a": 409},
    ),
    ("protocol", "PUT", f"{API}/protocol", {}, API_FACILITATOR[409]),
    ("panel", "POST", f"{API}/panel", {"csv": PANEL_CSV}, API_FACILITATOR[200]),
    ("invite", "POST", f"{API}/invitations", {"pseudonyms": ["E01"]}, API_FACILITATOR[202]),
    ("remind", "POST", f"{API}/rounds/1/reminders", {}, API_FACILITATOR[202]),
    ("revoke", "POST", f"{API}/links/{{link}}/revoke", {}, API_FACILITATOR[200]),
    ("open", "POST", f"{API}/rounds/2/open", {}, API_FACILITATOR[409]),
    ("analyse", "POST", f"{API}/rounds/1/analysis", {}, API_FACILITATOR[200]),
    ("close", "POST", f"{API}/rounds/1/close", {}, API_FACILITATOR[200]),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "body", "statuses"), WRITE_API, ids=[w[0] for w in WRITE_API]
)
async def test_every_facilitator_api_write_answers_each_role_as_it_should(
    web: Web,
    tmp_path: Path,
    demo_study_dir: Path,
    name: str,
    method: str,
    path: str,
    body: dict[str, Any],
    statuses: dict[str, int],
) -> None:
    cast, ids = await _cast(web, tmp_path, demo_study_dir)
    order = [r for r in ROLES if r != "facilitator_a"] + ["facilitator_a"]
    async with cast.web.client() as api:
        for role in order:
            filled = {
                k: v.format(role=role.replace("_", "-")) if isinstance(v, str) else v
                for k, v in body.items()
            }
            got = await api.request(
                method, path.format(link=ids.link), json=filled, headers=cast.api_headers(role)
            )
            assert got.status_code == statuses[role], (name, role, got.status_code, got.text[:300])
            _no_leak(role, got.status_code, got.text)


async def test_forms_and_htmx_requests_without_their_csrf_token_are_refused(
    web: Web, tmp_path: Path, demo_study_dir: Path
) -> None:
    cast, ids = await _cast(web, tmp_path, demo_study_dir)
    async with cast.client("facilitator_a") as client:
        await client.get(f"{A}/panel")  # the CSRF cookie is set; the token is left out below
        for path, fields in (
            ("/studies/new", {"slug": "x"}),
            ("/studies/load", {"folder": "connected-icb"}),
            (f"{A}/protocol", {"rule": "percent_iqr"}),
            (f"{A}/panel", {"panel_text": PANEL_CSV}),
            (f"{A}/invitations", {"scope": "all"}),
            (f"{A}/rounds/1/reminders", {}),
            (f"{A}/links/{ids.link}/revoke", {}),
            (f"{A}/rounds/1/close", {}),
            (f"{A}/rounds/1/analysis", {"drafter": "extractive"}),
        ):
            plain = await client.post(path, data=fields, follow_redirects=False)
            assert plain.status_code == 403, path
            htmx = await client.post(
                path, data=fields, headers={"HX-Request": "true"}, follow_redirects=False
            )
            assert htmx.status_code == 403, path
        token = await form_token(client, f"{A}/panel")
        with_header = await client.post(
            f"{A}/rounds/1/reminders",
            headers={"HX-Request": "true", "x-csrftoken": token},
            follow_redirects=False,
        )
        assert with_header.status_code in (200, 302)  # htmx sends the token as a header
        assert (await client.get(f"{A}/rounds/1/close")).status_code == 200  # not closed


async def test_used_expired_and_revoked_invitations_sign_nobody_in(
    web: Web, tmp_path: Path, demo_study_dir: Path
) -> None:
    cast, _ = await _cast(web, tmp_path, demo_study_dir)
    async with cast.client("facilitator_a") as fac:
        await _post_form(fac, f"{A}/invitations", {"scope": "selected", "pseudonym": "E01"})
        await _post_form(fac, f"{A}/invitations", {"resend": "E03"})
        sent = await until(lambda: _links(web, 2))
        links = {mail.to: token_of(link) for mail, link in sent}
        e01, e03 = links["e01.a@example.org"], links["e03.a@example.org"]

        async with web.container.session() as s:
            link_id = await s.scalar(
                select(SignInLink.id)
                .join(Participant)
                .where(
                    Participant.pseudonym == "E03",
                    Participant.study_id == cast.studies["a"],
                    SignInLink.revoked_at.is_(None),
                )
            )
        revoked = await _post_form(fac, f"{A}/links/{link_id}/revoke", {})
        assert "E03&#39;s invitation link is revoked" in revoked.text
    async with cast.web.client() as expert:
        first = await _post_form(expert, f"/sign-in/{e01}", {})
        assert first.status_code in (302, 303)
        assert "Study STUDY-A" in (await expert.get("/studies")).text
    async with cast.web.client() as again:
        used = await _post_form(again, f"/sign-in/{e01}", {})
        assert (used.status_code, "used already" in used.text) == (401, True)
        gone = await _post_form(again, f"/sign-in/{e03}", {})
        assert (gone.status_code, "revoked" in gone.text) == (401, True)
    async with cast.client("facilitator_a") as fac:
        await _post_form(fac, f"{A}/invitations", {"resend": "E02"})
        fresh = await until(lambda: _links(web, 3))
        e02 = next(token_of(link) for mail, link in fresh if mail.to == "e02.a@example.org")
    async with web.container.session() as s, s.begin():
        past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        await s.execute(
            update(SignInLink)
            .where(SignInLink.token_hash == hash_secret(e02))
            .values(expires_at=past)
        )
    async with cast.web.client() as late:
        expired = await _post_form(late, f"/sign-in/{e02}", {})
        assert (expired.status_code, "expired" in expired.text) == (401, True)


async def _links(web: Web, count: int) -> list[tuple[Any, str]] | None:
    found = [(m, link) for m in web.mailer.sent for link in re.findall(r"https?://\S+", m.text)]
    return found if len(found) >= count else None
