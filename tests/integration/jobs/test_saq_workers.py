"""Two `symphonia worker` processes on the SAQ queue in PostgreSQL, a batch of analysis
jobs, one worker SIGKILLed mid-job: every job completes exactly once (issue 14).

The workers are the real command with the real embedding model, started with the
environment a deployment gives them; rounds of a few hundred synthetic fragments keep each
job long enough to be killed in."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.db.enums import RunStatus
from symphonia.db.models import AnalysisRun, AuditEvent, SynthesisVersion
from symphonia.services.analysis import request_analysis
from symphonia.services.round_runs import RoundRecords, run_round
from symphonia.services.studies import load_study
from symphonia.studyfiles import load_study as read_study_file
from tests.conftest import ROOT
from tests.fakes.synthetic_fragments import synthetic_fragments
from tests.integration.jobs.conftest import OPERATOR, SLUG

pytestmark = [pytest.mark.postgres, pytest.mark.model]
Maker = async_sessionmaker[AsyncSession]
JOBS = 3


def worker_env(db_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SYMPHONIA_DATABASE_URL": db_url,
        "SYMPHONIA_DATA_DIR": str(data_dir),
        "SYMPHONIA_QUEUE": "saq",
        "SYMPHONIA_WORKER_HEARTBEAT": "0.5",
        "SYMPHONIA_WORKER_STALE_AFTER": "8",
        "SYMPHONIA_WORKER_RETRY_DELAY": "0.5",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "symphonia.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def eventually(check: object, what: str, timeout: float = 400.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


async def runs(maker: Maker) -> list[AnalysisRun]:
    async with maker() as s:
        return list(await s.scalars(select(AnalysisRun).order_by(AnalysisRun.created_at)))


async def test_two_saq_workers_one_killed_every_job_completes_once(
    db_backend: str, sessionmaker: Maker, db_url: str, demo_study_dir: Path, tmp_path: Path
) -> None:
    if db_backend != "postgresql":
        pytest.skip("the SAQ queue lives in PostgreSQL")
    async with sessionmaker() as s:
        await load_study(s, read_study_file(demo_study_dir), actor=OPERATOR)
        await run_round(
            s, SLUG, 1, RoundRecords(fragments=synthetic_fragments(200)), actor=OPERATOR
        )
    async with sessionmaker() as s:
        ids = [await request_analysis(s, SLUG, 1, actor=OPERATOR) for _ in range(JOBS)]
    env = worker_env(db_url, tmp_path)
    # Nobody enqueued these rows (no web app ran): the workers' start hands them to SAQ.
    first = start_worker(env, tmp_path / "first.log")
    second = start_worker(env, tmp_path / "second.log")
    try:
        victim = f":{first.pid}:"

        held: list[AnalysisRun] = []

        async def first_is_working() -> bool:
            for process, name in ((first, "first"), (second, "second")):
                if process.poll() is not None:
                    log = (tmp_path / f"{name}.log").read_text()
                    raise AssertionError(f"the {name} worker stopped:\n{log[-3000:]}")
            held[:] = [
                r
                for r in await runs(sessionmaker)
                if r.status is RunStatus.RUNNING and victim in (r.worker or "") and r.progress
            ]
            return bool(held)

        await eventually(first_is_working, "the first worker to be mid-job")
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL

        async def all_finished() -> bool:
            return all(
                r.status in (RunStatus.SUCCEEDED, RunStatus.FAILED)
                for r in await runs(sessionmaker)
            )

        await eventually(all_finished, "every job to finish on the surviving worker")
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (first, second):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    log = (tmp_path / "second.log").read_text()
    done = await runs(sessionmaker)
    assert [r.id for r in done] == ids
    assert [(r.status, r.error) for r in done] == [(RunStatus.SUCCEEDED, None)] * JOBS, log
    # The run the killed worker held was claimed again (on a busy machine a slow heartbeat
    # may make another run go round twice too: it is still stored once).
    assert {r.id: r.attempts for r in done}[held[0].id] >= 2
    assert all(victim not in (r.worker or "") for r in done)  # the survivor stored them all
    async with sessionmaker() as s:
        versions = await s.scalar(select(func.count()).select_from(SynthesisVersion))
        events = dict(
            (
                await s.execute(
                    select(AuditEvent.action, func.count())
                    .where(AuditEvent.action.like("analysis.%"))
                    .group_by(AuditEvent.action)
                )
            ).all()
        )
    assert versions == JOBS  # one synthesis version per job: none lost, none stored twice
    assert events["analysis.completed"] == JOBS
    assert events["analysis.requeued"] >= 1
    assert "analysis.failed" not in events
