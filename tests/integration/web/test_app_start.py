"""The server's process freezes what lives as long as it once the app has started
(`create_app(freeze_at_start=True)`, as `symphonia serve` makes it), so full garbage
collections under load no longer walk it; an app made any other way freezes nothing."""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path

from litestar.testing import AsyncTestClient

from symphonia.settings import load_settings
from symphonia.web.app import create_app


async def _frozen_after_start(tmp_path: Path, db_url: str, *, freeze: bool) -> int:
    base = load_settings()
    settings = dataclasses.replace(
        base,
        data_dir=tmp_path / "data",
        database_url=db_url,
        web=dataclasses.replace(base.web, secret_key="t" * 48),
    )
    app = create_app(settings, run_worker=False, freeze_at_start=freeze)
    try:
        async with AsyncTestClient(app) as client:
            frozen = gc.get_freeze_count()
            assert (await client.get("/health")).status_code == 200
    finally:
        gc.unfreeze()  # the test process lives on: let it collect them again
    return frozen


async def test_the_servers_app_freezes_what_lives_at_start(tmp_path: Path, db_url: str) -> None:
    gc.unfreeze()
    assert await _frozen_after_start(tmp_path, db_url, freeze=False) == 0
    frozen = await _frozen_after_start(tmp_path, db_url, freeze=True)
    assert frozen > 10_000  # modules, the app, the engine: what the process keeps
