"""`symphonia serve`: the web platform on the embedded defaults or the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

from symphonia.cli.common import console, fail, handle_errors, settings


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).", min=1, max=65535)] = None,
) -> None:
    """Run the web platform: pages for experts, facilitators, editors and readers, and the API."""
    import dataclasses

    import uvicorn

    from symphonia.db.migrate import current, heads
    from symphonia.web.app import create_app
    from symphonia.web.resources import MissingAssets

    with handle_errors():
        configured = settings()
        web = dataclasses.replace(
            configured.web,
            host=host or configured.web.host,
            port=port or configured.web.port,
        )
        configured = dataclasses.replace(configured, web=web)
        url = configured.resolved_database_url
        revision = current(url)
        if revision not in heads():
            fail(
                f"the database schema is not up to date (at {revision or 'nothing'}); "
                "run `symphonia db upgrade` first"
            )
        try:
            app = create_app(configured)
        except MissingAssets as exc:
            fail(str(exc))
    console.print(f"Symphonia is running at {web.resolved_base_url}/ (Ctrl+C stops it)")
    uvicorn.run(app, host=web.host, port=web.port, log_level="warning", proxy_headers=False)
