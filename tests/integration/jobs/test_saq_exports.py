"""A report export requested with nobody to hand it over (no web app ran) is rendered by
`symphonia worker --once` on the SAQ queue: the worker's start enqueues it (issue 14)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.db.enums import RunStatus
from symphonia.db.models import ReportExport
from symphonia.services.report_exports import EXPORT_DIR, request_export
from tests.conftest import ROOT
from tests.integration.jobs.test_saq_workers import worker_env
from tests.integration.services.editing_setup import SLUG, analysed_round

pytestmark = [pytest.mark.postgres]
Maker = async_sessionmaker[AsyncSession]


async def test_a_saq_worker_renders_a_requested_export(
    db_backend: str, sessionmaker: Maker, db_url: str, demo_study_dir: Path, tmp_path: Path
) -> None:
    if db_backend != "postgresql":
        pytest.skip("the SAQ queue lives in PostgreSQL")
    people = await analysed_round(sessionmaker, demo_study_dir)
    async with sessionmaker() as s:
        view = await request_export(s, SLUG, 1, 1, "html", actor=people.facilitator)
    done = subprocess.run(
        [sys.executable, "-m", "symphonia.cli", "worker", "--once"],
        cwd=ROOT,
        env=worker_env(db_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    async with sessionmaker() as s:
        row = await s.get_one(ReportExport, view.id)
    assert (row.status, row.error, row.attempts) == (RunStatus.SUCCEEDED, None, 1)
    path = tmp_path / EXPORT_DIR / f"{view.id}.html"
    assert row.path == f"{EXPORT_DIR}/{view.id}.html"
    assert row.size == path.stat().st_size
    assert "<html" in path.read_text(encoding="utf-8")
