"""`symphonia serve`: the web platform on the embedded defaults or the configured database.

On a first run (no account may create studies yet) it makes the first facilitator's account
and prints a one-time sign-in link for it, so a new installation is usable without another
command. The in-process worker runs analysis jobs beside the server unless `--no-worker`
(when `symphonia worker` processes run them instead).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from typing import Annotated

import typer

from symphonia.cli.common import ACTOR, console, handle_errors, require_current_schema, settings
from symphonia.composition import Container
from symphonia.settings import Settings

FIRST_FACILITATOR_ENV = "SYMPHONIA_FIRST_FACILITATOR"


async def first_run_link(container: Container, email: str) -> str | None:
    """A sign-in link for the first facilitator when this run made the account, else None."""
    from symphonia.services.accounts import first_facilitator
    from symphonia.services.tokens import issue_sign_in_link

    async with container.session() as session:
        account, made = await first_facilitator(session, email, actor=ACTOR)
        if not made:
            return None
        issued = await issue_sign_in_link(session, account_id=account.id, actor=ACTOR)
    return container.sign_in_url(issued.token)


def _configured(host: str | None, port: int | None) -> Settings:
    configured = settings()
    web = dataclasses.replace(
        configured.web, host=host or configured.web.host, port=port or configured.web.port
    )
    return dataclasses.replace(configured, web=web)


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).", min=1, max=65535)] = None,
    worker: Annotated[
        bool, typer.Option(help="Run analysis jobs in this process (off: `symphonia worker`).")
    ] = True,
) -> None:
    """Run the web platform: pages for experts, facilitators, editors and readers, and the API."""
    import uvicorn

    from symphonia.web.app import create_app

    with handle_errors():
        configured = _configured(host, port)
    email = os.environ.get(FIRST_FACILITATOR_ENV, "facilitator@localhost")

    async def prepare() -> str | None:
        async with Container(configured) as container:
            await require_current_schema(container)
            return await first_run_link(container, email)

    with handle_errors():
        # refuses missing assets up front; freezes what lives as long as the process
        app = create_app(configured, run_worker=worker, freeze_at_start=True)
        link = asyncio.run(prepare())
    url = configured.web.resolved_base_url
    if link:
        console.print(f"First run: sign in as the facilitator {email} with {link}")
    console.print(f"Symphonia is running at {url}/ (Ctrl+C stops it)")
    uvicorn.run(app, host=configured.web.host, port=configured.web.port, log_level="warning")
