"""Signing in: passwords, single-use links, a fresh link by email, signing out; and what
anonymous callers get."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from sqlalchemy import update

from symphonia.core.actors import Actor, StudyRole
from symphonia.db.models import SignInLink
from symphonia.services.accounts import create_account, grant_role, set_password
from symphonia.services.tokens import issue_sign_in_link
from tests.integration.web.conftest import Web, csrf, post_form, token_of

OPERATOR = Actor.operator("test")
EMAIL = "fac@example.org"
PASSWORD = "correct horse battery staple"


async def _account(web: Web, *, password: bool = True) -> uuid.UUID:
    async with web.container.session() as s:
        account = await create_account(
            s,
            EMAIL,
            password=PASSWORD if password else None,
            may_create_studies=True,
            actor=OPERATOR,
        )
    return account.id


async def test_pages_that_need_someone_signed_in_send_them_to_sign_in(web: Web) -> None:
    async with web.client() as client:
        response = await client.get("/studies", follow_redirects=False)
        assert response.status_code in (302, 303)
        assert response.headers["location"] == "/sign-in?next=%2Fstudies"
        api = await client.get("/api/v1/studies")
        assert api.status_code in (401, 404)


async def test_a_password_signs_in_and_sign_out_ends_it(web: Web) -> None:
    await _account(web)
    async with web.client() as client:
        response = await post_form(
            client,
            "/sign-in",
            {"email": EMAIL.upper(), "password": PASSWORD, "next": "/studies"},
            form_page="/sign-in",
        )
        assert response.status_code in (302, 303)
        assert response.headers["location"] == "/studies"
        cookie = next(c for c in client.cookies.jar if c.name == "symphonia_session")
        assert cookie.secure
        assert (await client.get("/studies")).status_code == 200
        token = await csrf(client, "/studies")
        await client.post("/sign-out", data={"_csrf_token": token}, follow_redirects=False)
        assert (await client.get("/studies", follow_redirects=False)).status_code in (302, 303)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
async def test_sign_in_never_redirects_off_site(web: Web, target: str) -> None:
    await _account(web)
    async with web.client() as client:
        response = await post_form(
            client,
            "/sign-in",
            {"email": EMAIL, "password": PASSWORD, "next": target},
            form_page="/sign-in",
        )
        assert response.headers["location"] == "/studies"


async def test_a_wrong_password_is_refused_with_the_form_kept(web: Web) -> None:
    await _account(web)
    async with web.client() as client:
        response = await post_form(
            client, "/sign-in", {"email": EMAIL, "password": "nope"}, form_page="/sign-in"
        )
        assert response.status_code == 401
        assert "There is a problem" in response.text
        assert 'href="#email"' in response.text  # the error summary links to the field
        assert f'value="{EMAIL}"' in response.text
        assert "nope" not in response.text  # a password is never echoed back


async def test_a_form_without_its_csrf_token_is_refused(web: Web) -> None:
    await _account(web)
    async with web.client() as client:
        await client.get("/sign-in")
        response = await client.post(
            "/sign-in", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False
        )
        assert response.status_code == 403
        assert "symphonia_session" not in {c.name for c in client.cookies.jar}


async def test_a_link_signs_in_once_after_a_confirming_post(web: Web) -> None:
    account_id = await _account(web, password=False)
    async with web.container.session() as s:
        issued = await issue_sign_in_link(s, account_id=account_id, actor=OPERATOR)
    async with web.client() as client:
        shown = await client.get(f"/sign-in/{issued.token}")
        assert shown.status_code == 200
        assert "Continue" in shown.text
        assert (await client.get("/studies", follow_redirects=False)).status_code in (302, 303)
        used = await post_form(
            client, f"/sign-in/{issued.token}", {}, form_page=f"/sign-in/{issued.token}"
        )
        assert used.status_code in (302, 303)
        assert (await client.get("/studies")).status_code == 200
    async with web.client() as other:
        again = await post_form(
            other, f"/sign-in/{issued.token}", {}, form_page=f"/sign-in/{issued.token}"
        )
        assert again.status_code == 401
        assert "used already" in again.text


async def test_expired_and_revoked_links_are_refused(web: Web) -> None:
    account_id = await _account(web, password=False)
    async with web.container.session() as s:
        expired = await issue_sign_in_link(s, account_id=account_id, actor=OPERATOR)
        async with s.begin():
            await s.execute(
                update(SignInLink)
                .where(SignInLink.id == expired.id)
                .values(expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(1))
            )
    async with web.client() as client:
        response = await post_form(
            client, f"/sign-in/{expired.token}", {}, form_page=f"/sign-in/{expired.token}"
        )
        assert response.status_code == 401
        assert "expired" in response.text
        made_up = await post_form(client, "/sign-in/not-a-token", {}, form_page="/sign-in/x")
        assert made_up.status_code == 401


async def test_a_lost_link_is_replaced_by_email_without_saying_who_is_registered(
    web: Web,
) -> None:
    await _account(web, password=False)
    async with web.client() as client:
        known = await post_form(
            client, "/sign-in/new-link", {"email": EMAIL}, form_page="/sign-in/new-link"
        )
        unknown = await post_form(
            client,
            "/sign-in/new-link",
            {"email": "stranger@example.org"},
            form_page="/sign-in/new-link",
        )
        assert known.status_code == unknown.status_code == 200
        assert "Check your email" in known.text
        assert "Check your email" in unknown.text
        [link] = web.mailer.links()
        assert [m.to for m in web.mailer.sent] == [EMAIL]
        used = await post_form(
            client, f"/sign-in/{token_of(link)}", {}, form_page=f"/sign-in/{token_of(link)}"
        )
        assert used.status_code in (302, 303)
        bad = await post_form(
            client, "/sign-in/new-link", {"email": "not an email"}, form_page="/sign-in/new-link"
        )
        assert bad.status_code == 400
        assert "is not an email address" in bad.text


async def test_roles_come_from_the_database_on_every_request(web: Web) -> None:
    """A session made before a password change no longer signs anyone in."""
    account_id = await _account(web)
    async with web.client() as client:
        await post_form(
            client, "/sign-in", {"email": EMAIL, "password": PASSWORD}, form_page="/sign-in"
        )
        assert (await client.get("/studies")).status_code == 200
        async with web.container.session() as s:
            await set_password(s, account_id, PASSWORD + "!", actor=OPERATOR)
        assert (await client.get("/studies", follow_redirects=False)).status_code in (302, 303)


async def test_too_many_password_guesses_are_slowed_down(web: Web) -> None:
    await _account(web)
    async with web.client() as client:
        statuses = []
        for _ in range(12):
            response = await post_form(
                client, "/sign-in", {"email": EMAIL, "password": "guess"}, form_page="/sign-in"
            )
            statuses.append(response.status_code)
        assert statuses[:10] == [401] * 10
        assert statuses[10:] == [429, 429]


async def test_an_account_sees_only_studies_it_has_a_role_in(
    web: Web, demo_study_dir: Path
) -> None:
    from symphonia.services.studies import load_study
    from symphonia.studyfiles import load_study as read_study

    await _account(web)
    async with web.container.session() as s:
        await load_study(s, read_study(demo_study_dir), actor=OPERATOR)
    async with web.client() as client:
        await post_form(
            client, "/sign-in", {"email": EMAIL, "password": PASSWORD}, form_page="/sign-in"
        )
        listed = await client.get("/studies")
        assert "connected-icb" not in listed.text
        assert (await client.get("/studies/connected-icb")).status_code == 404
        async with web.container.session() as s:
            await grant_role(s, EMAIL, "connected-icb", StudyRole.READER, actor=OPERATOR)
        listed = await client.get("/studies")
        assert "/studies/connected-icb" in listed.text
        page = await client.get("/studies/connected-icb")
        assert page.status_code == 200
        assert "Took part" not in page.text  # readers see no participation
