"""Analysis as a job: requested, claimed once, run off the loop with progress, stored once
or failed with the reason kept; abandoned runs are resumed. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import threading
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.composition import Container
from symphonia.db.enums import RoundStatus, RunStatus
from symphonia.db.models import AnalysisRun, AuditEvent, Round, SynthesisVersion
from symphonia.jobs import InProcessWorker
from symphonia.services.analysis import AnalysisOptions, request_analysis
from symphonia.services.analysis_exec import Execution, execute_run
from symphonia.services.analysis_runs import claim_next, claim_run, recover_stale
from symphonia.services.errors import Conflict, RejectedInput
from symphonia.services.run_views import get_run, list_runs
from symphonia.settings import WorkerSettings, load_settings
from tests.fakes.slow_embedder import SlowEmbedder
from tests.integration.jobs.conftest import OPERATOR, SLUG
from tests.unit.pipeline.conftest import CountingEmbedder

Maker = async_sessionmaker[AsyncSession]
FAST = WorkerSettings(poll_s=0.05, heartbeat_s=0.05, stale_after_s=1.0)


def container(db_url: str, embedder: CountingEmbedder, **kwargs: object) -> Container:
    settings = dataclasses.replace(load_settings(), database_url=db_url, worker=FAST)
    return Container(settings, embedder=embedder, **kwargs)  # type: ignore[arg-type]


async def count(maker: Maker, model: type, *where: object) -> int:
    async with maker() as s:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)  # type: ignore[arg-type]
        return int(await s.scalar(query) or 0)


async def run_row(maker: Maker, run_id: uuid.UUID) -> AnalysisRun:
    async with maker() as s:
        return await s.get_one(AnalysisRun, run_id)


async def test_a_request_writes_a_pending_run_and_a_worker_stores_it_once(
    sessionmaker: Maker, db_url: str, closed_round: int
) -> None:
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)
    pending = await run_row(sessionmaker, run_id)
    assert (pending.status, pending.options, pending.attempts) == (
        RunStatus.PENDING,
        {"drafter": "extractive"},
        0,
    )
    assert pending.requested_by == "test"
    async with container(db_url, CountingEmbedder()) as c:
        worker = InProcessWorker(c)
        assert await worker.drain() == 1
        assert await worker.drain() == 0  # nothing left: nothing runs twice
    done = await run_row(sessionmaker, run_id)
    assert (done.status, done.attempts, done.error) == (RunStatus.SUCCEEDED, 1, None)
    assert done.embedding_model == "fake-model"
    assert done.input_hash
    assert done.progress["step"]  # the last progress the pipeline reported is kept
    assert await count(sessionmaker, SynthesisVersion) == 1
    async with sessionmaker() as s:
        actions = list(await s.scalars(select(AuditEvent.action).order_by(AuditEvent.at)))
        (view,) = await list_runs(s, SLUG, closed_round, actor=OPERATOR)
        rnd = await s.scalar(select(Round).where(Round.number == closed_round))
    assert actions[-2:] == ["analysis.requested", "analysis.completed"]
    assert (view.id, view.status, view.version_number) == (run_id, RunStatus.SUCCEEDED, 1)
    assert rnd is not None
    assert rnd.status is RoundStatus.ANALYSED


async def test_unknown_options_are_refused_before_anything_is_written(
    sessionmaker: Maker, closed_round: int
) -> None:
    with pytest.raises(RejectedInput) as refused:
        AnalysisOptions.from_dict({"drafter": "oracle", "speed": "max"})
    assert [(p.field, p.reason) for p in refused.value.problems] == [
        ("speed", "unknown option"),
        ("drafter", "unknown drafter 'oracle'; expected one of extractive, llm"),
    ]
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput):
            await request_analysis(s, SLUG, 1, AnalysisOptions("oracle"), actor=OPERATOR)
    assert await count(sessionmaker, AnalysisRun) == 0


def test_allow_fallback_is_stored_only_when_refused_and_must_be_a_boolean() -> None:
    """`--allow-fallback` (off on the command line) travels with the run to the worker;
    runs stored before the option existed read as allowing it, as they did."""
    strict = AnalysisOptions("llm", allow_fallback=False)
    assert strict.as_dict() == {"drafter": "llm", "allow_fallback": False}
    assert AnalysisOptions.from_dict(strict.as_dict()) == strict
    assert AnalysisOptions.from_dict({"drafter": "llm"}).allow_fallback is True
    with pytest.raises(RejectedInput) as refused:
        AnalysisOptions.from_dict({"drafter": "llm", "allow_fallback": "no"})
    assert [(p.field, p.reason) for p in refused.value.problems] == [
        ("allow_fallback", "must be true or false")
    ]


async def test_a_failed_run_keeps_its_error(
    sessionmaker: Maker, db_url: str, closed_round: int
) -> None:
    """The LLM drafter without an endpoint: the run fails, says why, and stores nothing."""
    async with sessionmaker() as s:
        run_id = await request_analysis(
            s, SLUG, closed_round, AnalysisOptions("llm"), actor=OPERATOR
        )
    async with container(db_url, CountingEmbedder()) as c:
        worker = InProcessWorker(c)
        await worker.drain()
    assert (worker.succeeded, worker.failed) == (0, 1)
    failed = await run_row(sessionmaker, run_id)
    assert failed.status is RunStatus.FAILED
    assert failed.error is not None
    assert "SYMPHONIA_LLM" in failed.error
    assert failed.finished_at is not None
    assert await count(sessionmaker, SynthesisVersion) == 0
    assert await count(sessionmaker, AuditEvent, AuditEvent.action == "analysis.failed") == 1
    async with sessionmaker() as s:
        rnd = await s.scalar(select(Round).where(Round.number == closed_round))
    assert rnd is not None
    assert rnd.status is RoundStatus.CLOSED


async def test_progress_is_visible_from_another_session_while_it_runs(
    sessionmaker: Maker, db_url: str, closed_round: int
) -> None:
    release = threading.Event()
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)
    async with container(db_url, SlowEmbedder(release=release)) as c:
        worker = InProcessWorker(c)
        task = worker.start()
        try:
            seen = None
            for _ in range(200):  # the worker beats every 0.05 s
                async with sessionmaker() as s:
                    seen = await get_run(s, run_id, actor=OPERATOR)
                if seen.progress:
                    break
                await asyncio.sleep(0.05)
            assert seen is not None
            assert seen.status is RunStatus.RUNNING
            assert dict(seen.progress) == {"step": "embed", "done": 1, "total": 3}
            assert seen.heartbeat_at is not None
            assert seen.worker == worker.name
        finally:
            release.set()
            for _ in range(400):
                if (await run_row(sessionmaker, run_id)).status is RunStatus.SUCCEEDED:
                    break
                await asyncio.sleep(0.05)
            await worker.stop()
    assert task.done()
    assert (await run_row(sessionmaker, run_id)).status is RunStatus.SUCCEEDED


async def test_two_workers_claiming_at_once_get_one_run(
    sessionmaker: Maker, closed_round: int
) -> None:
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)

    async def claim(name: str) -> object:
        async with sessionmaker() as s:
            return await claim_next(s, name)

    claims = await asyncio.gather(claim("a"), claim("b"), claim("c"))
    taken = [c for c in claims if c is not None]
    assert len(taken) == 1
    assert taken[0].run_id == run_id
    assert taken[0].attempt == 1
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="no longer pending"):
            await claim_run(s, run_id, "d")


async def test_an_abandoned_run_is_requeued_and_its_old_worker_cannot_store_it(
    sessionmaker: Maker, closed_round: int
) -> None:
    """The claim is a fencing token: once a stale run went back to the queue, the worker that
    was given up for dead stores nothing, and the next claim stores it once."""
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)
        old = await claim_run(s, run_id, "old")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    async with sessionmaker() as s:
        recovered = await recover_stale(s, actor=OPERATOR, clock=lambda: later)
    assert recovered.requeued == (run_id,)
    how = Execution(
        embedder=CountingEmbedder, drafter_for=lambda _name, _allow: None, actor=OPERATOR
    )
    with pytest.raises(Conflict, match="given to another worker"):
        await execute_run(sessionmaker, old, how)
    run = await run_row(sessionmaker, run_id)
    assert (run.status, run.error) == (RunStatus.PENDING, None)
    assert await count(sessionmaker, SynthesisVersion) == 0
    async with sessionmaker() as s:
        new = await claim_next(s, "new")
    assert new is not None
    assert new.attempt == 2
    await execute_run(sessionmaker, new, how)
    assert (await run_row(sessionmaker, run_id)).status is RunStatus.SUCCEEDED
    assert await count(sessionmaker, SynthesisVersion) == 1


async def test_a_run_abandoned_too_often_is_failed_not_retried_forever(
    sessionmaker: Maker, closed_round: int
) -> None:
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    for attempt in (1, 2, 3):
        async with sessionmaker() as s:
            claim = await claim_next(s, f"w{attempt}")
            assert claim is not None
            assert claim.attempt == attempt
            outcome = await recover_stale(s, actor=OPERATOR, max_attempts=3, clock=lambda: later)
        assert (outcome.requeued, outcome.failed) == (
            ((run_id,), ()) if attempt < 3 else ((), (run_id,))
        )
    run = await run_row(sessionmaker, run_id)
    assert run.status is RunStatus.FAILED
    assert run.error is not None
    assert "each of its attempts" in run.error


async def test_a_fresh_heartbeat_is_not_taken_for_abandoned(
    sessionmaker: Maker, closed_round: int
) -> None:
    async with sessionmaker() as s:
        run_id = await request_analysis(s, SLUG, closed_round, actor=OPERATOR)
        await claim_run(s, run_id, "alive")
        outcome = await recover_stale(s, actor=OPERATOR)
    assert (outcome.requeued, outcome.failed) == ((), ())
    assert (await run_row(sessionmaker, run_id)).status is RunStatus.RUNNING
