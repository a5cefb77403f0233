"""The web app in-process, on a fresh database of each backend, with a browser-like client.

`web` builds the app around a container on the test's database (no in-process worker unless
a test starts one), and `client()` opens an `AsyncTestClient` on https://testserver.local, so
the session cookie's Secure flag behaves as in production. `signed_in(client, ...)` signs a
client in the way people do (a password form, or a sign-in link), and `csrf(client)` reads
the token a form would carry.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from symphonia.composition import Container
from symphonia.mail import Mail
from symphonia.settings import Settings, load_settings
from symphonia.web.app import create_app

BASE_URL = "https://testserver.local"
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


class RecordingMailer:
    """Keeps every message instead of sending it; tests read the links from them."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> str:
        self.sent.append(mail)
        return "memory"

    def links(self) -> list[str]:
        return [m for mail in self.sent for m in re.findall(r"https?://\S+", mail.text)]


@dataclass
class Web:
    app: Litestar
    container: Container
    """The test's own container, for setting up and checking through the services (the app
    makes its own in its event loop: connections belong to the loop that opened them)."""
    mailer: RecordingMailer
    settings: Settings

    @asynccontextmanager
    async def client(self) -> AsyncIterator[AsyncTestClient[Litestar]]:
        async with AsyncTestClient(self.app, base_url=BASE_URL) as client:
            yield client


@pytest.fixture
async def web(db_url: str, tmp_path: Path) -> AsyncIterator[Web]:
    base = load_settings()
    settings = dataclasses.replace(
        base,
        data_dir=tmp_path / "data",
        database_url=db_url,
        web=dataclasses.replace(base.web, secret_key="t" * 48, base_url=BASE_URL),
    )
    mailer = RecordingMailer()
    container = Container(settings)
    app = create_app(
        settings, container_factory=lambda s: Container(s, mailer=mailer), run_worker=False
    )
    yield Web(app, container, mailer, settings)
    await container.aclose()


async def csrf(client: AsyncTestClient[Litestar], path: str = "/sign-in") -> str:
    """The CSRF token a form on `path` carries (the GET also sets the CSRF cookie)."""
    page = await client.get(path)
    found = _CSRF.search(page.text)
    assert found is not None, f"no CSRF field on {path}"
    return found.group(1)


async def post_form(
    client: AsyncTestClient[Litestar], path: str, fields: dict[str, str], *, form_page: str
) -> Any:
    token = await csrf(client, form_page)
    return await client.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


TokenFrom = Callable[[str], str]


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]
