"""A worker process killed with SIGKILL mid-run loses nothing: the next worker completes the
run exactly once (the run is requeued, claimed again, stored once; nothing half-stored)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.db.enums import RunStatus
from symphonia.db.models import (
    AnalysisRun,
    AuditEvent,
    SingularView,
    SynthesisVersion,
    Theme,
    ThemeMember,
)
from symphonia.services.analysis import request_analysis
from symphonia.services.run_views import get_run
from tests.conftest import ROOT
from tests.fakes.worker_process import STALE_AFTER_S
from tests.integration.jobs.conftest import OPERATOR, SLUG

Maker = async_sessionmaker[AsyncSession]


def start_worker(db_url: str, delay: float, started: Path | None = None) -> subprocess.Popen[str]:
    args = [sys.executable, "-m", "tests.fakes.worker_process", db_url, str(delay)]
    if started is not None:
        args.append(str(started))
    return subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


async def wait_for(predicate: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def counts(maker: Maker) -> tuple[int, int, int, int]:
    async with maker() as s:
        values = []
        for model, where in (
            (AnalysisRun, None),
            (SynthesisVersion, None),
            (Theme, None),
            (AuditEvent, AuditEvent.action == "analysis.completed"),
        ):
            query = select(func.count()).select_from(model)
            if where is not None:
                query = query.where(where)
            values.append(int(await s.scalar(query) or 0))
    return values[0], values[1], values[2], values[3]


async def test_a_worker_killed_mid_run_is_resumed_by_the_next_exactly_once(
    sessionmaker: Maker, db_url: str, closed_round: int, tmp_path: Path
) -> None:
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)
    started = tmp_path / "started"
    first = start_worker(db_url, delay=30.0, started=started)  # far slower than the test
    try:

        async def progressing() -> bool:
            async with sessionmaker() as s:
                view = await get_run(s, run_id, actor=OPERATOR)
            return view.status is RunStatus.RUNNING and bool(view.progress)

        await wait_for(lambda: _exists(started), "the first worker to start embedding")
        # Progress and heartbeats are visible from this session while the worker runs.
        await wait_for(progressing, "progress from the first worker")
        running = await _run(sessionmaker, run_id)
        assert running.attempts == 1
        assert running.worker
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    # Killed: still "running", nothing stored.
    assert (await _run(sessionmaker, run_id)).status is RunStatus.RUNNING
    assert await counts(sessionmaker) == (1, 0, 0, 0)

    await asyncio.sleep(STALE_AFTER_S + 0.5)  # its heartbeat goes stale
    second = start_worker(db_url, delay=0.0)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert "succeeded=1 failed=0" in out

    done = await _run(sessionmaker, run_id)
    assert (done.status, done.attempts, done.error) == (RunStatus.SUCCEEDED, 2, None)
    runs, versions, _themes, completed = await counts(sessionmaker)
    assert (runs, versions, completed) == (1, 1, 1)
    async with sessionmaker() as s:  # every fragment placed once: stored once, not twice
        members = await s.scalar(select(func.count()).select_from(ThemeMember))
        singular = await s.scalar(select(func.count()).select_from(SingularView))
    assert (members or 0) + (singular or 0) == 3
    async with sessionmaker() as s:
        requeued = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "analysis.requeued")
        )
    assert requeued == 1


async def _exists(path: Path) -> bool:
    return path.exists()


async def _run(maker: Maker, run_id: object) -> AnalysisRun:
    async with maker() as s:
        return await s.get_one(AnalysisRun, run_id)
