"""Executing one claimed analysis run: load, compute off the event loop, store once.

The same code runs a run for the worker (`symphonia.jobs`) and for the CLI's `synthesize`
(which requests a run and executes it inline), so both store exactly the same thing:

1. the round's input is loaded (and checked again: it was checked when requested);
2. the pipeline runs in a thread, never on the event loop, while a heartbeat task writes the
   latest progress every few seconds in its own session, so another session (the web page,
   `symphonia analysis status`) sees it move, and a worker that dies stops beating;
3. the result is stored in ONE transaction, which first re-takes the run with the claim's
   fencing token (see :mod:`symphonia.services.analysis_runs`): a run is stored once, and a
   run stored half is impossible;
4. any failure is kept on the run (`failed`, with the reason) and raised to the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.errors import SymphoniaError
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus, RunStatus
from symphonia.db.models import AnalysisRun, Round, Study
from symphonia.pipeline.analyze import AnalysisResult, analyze_round
from symphonia.pipeline.contracts import Drafter, Embedder, ProgressCallback, no_progress
from symphonia.services.analysis_runs import Claim, Clock, beat, fail_run, take_for_storing, utcnow
from symphonia.services.errors import Conflict
from symphonia.services.round_input import RoundInput, load_round_input
from symphonia.services.store_results import store_run, store_version
from symphonia.services.tx import transaction

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_SECONDS = 5.0

Sessions = async_sessionmaker[AsyncSession]
DrafterFor = Callable[[str, bool], Drafter | None]
"""The drafter for the name a run's options give, and whether its options allow a model
that drafts nothing to fall back to the extractive draft (None: the pipeline's default)."""


@dataclass(frozen=True, slots=True)
class Execution:
    """How this process executes runs: its collaborators (`embedder` is called in the
    pipeline's thread, so a model that loads slowly loads off the loop), who it acts as,
    and how often it beats."""

    embedder: Callable[[], Embedder]
    drafter_for: DrafterFor
    actor: Actor
    heartbeat_every: float = DEFAULT_HEARTBEAT_SECONDS
    clock: Clock = utcnow


@dataclass(frozen=True, slots=True)
class AnalysisOutcome:
    run_id: uuid.UUID
    version_number: int
    result: AnalysisResult


class ProgressTracker:
    """The pipeline's progress callback: keeps the latest report for the heartbeat (the
    pipeline calls it from its thread, the heartbeat reads it on the loop) and passes each
    report on (to the CLI's progress bars)."""

    def __init__(self, forward: ProgressCallback = no_progress) -> None:
        self._forward = forward
        self._lock = threading.Lock()
        self._latest: dict[str, Any] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        with self._lock:
            self._latest = {"step": step, "done": done, "total": total}
        self._forward(step, done, total)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._latest)


def describe(exc: BaseException) -> str:
    """The reason a run failed, as kept on the run and shown to the facilitator."""
    if isinstance(exc, SymphoniaError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def _heartbeats(
    sessions: Sessions,
    claim: Claim,
    tracker: ProgressTracker,
    every: float,
    stop: asyncio.Event,
    clock: Clock,
) -> None:
    """Beat every `every` seconds until `stop` is set; a failed beat is logged, not fatal
    (the store re-checks the claim anyway)."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            async with sessions() as session:
                if not await beat(session, claim, tracker.snapshot(), clock=clock):
                    logger.warning("analysis run %s is no longer ours; stopping", claim.run_id)
                    return
        except Exception:
            logger.exception("heartbeat of analysis run %s failed", claim.run_id)


def _analyse(
    data: RoundInput,
    embedder: Callable[[], Embedder],
    drafter: Drafter | None,
    progress: ProgressTracker,
) -> AnalysisResult:
    result = analyze_round(
        data.fragments,
        embedder(),
        protocol=data.protocol,
        rating=data.rating,
        drafter=drafter,
        question=data.study.question,
        title=data.study.title,
        progress=progress,
    )
    if data.stability is not None:
        result = replace(result, run={**result.run, "stability": data.stability})
    return result


async def execute_run(
    sessions: Sessions,
    claim: Claim,
    how: Execution,
    *,
    progress: ProgressCallback = no_progress,
) -> AnalysisOutcome:
    """Run the claimed analysis and store its result (see the module docstring)."""
    actor, clock = how.actor, how.clock
    try:
        async with sessions() as session, transaction(session, write=False):
            run = await session.get_one(AnalysisRun, claim.run_id)
            rnd = await session.get_one(Round, run.round_id)
            study = await session.get_one(Study, rnd.study_id)
            data = await load_round_input(session, study, rnd)
            drafter_name = str(run.options.get("drafter", ""))
            allow_fallback = bool(run.options.get("allow_fallback", True))
            requested_by_id = run.requested_by_id
        drafter = how.drafter_for(drafter_name, allow_fallback)
        tracker = ProgressTracker(progress)
        stop = asyncio.Event()
        beating = asyncio.create_task(
            _heartbeats(sessions, claim, tracker, how.heartbeat_every, stop, clock)
        )
        try:
            result = await asyncio.to_thread(_analyse, data, how.embedder, drafter, tracker)
        finally:
            stop.set()
            await beating
        async with sessions() as session:
            return await _store(
                session, claim, data, result, tracker, requested_by_id, actor, clock
            )
    except Exception as exc:
        if not isinstance(exc, SymphoniaError):
            logger.exception("analysis run %s failed", claim.run_id)
        async with sessions() as session:
            await fail_run(session, claim, describe(exc), actor=actor, clock=clock)
        raise


async def _store(
    session: AsyncSession,
    claim: Claim,
    data: RoundInput,
    result: AnalysisResult,
    tracker: ProgressTracker,
    requested_by_id: uuid.UUID | None,
    actor: Actor,
    clock: Clock,
) -> AnalysisOutcome:
    slug, number = data.study.slug, data.round.number
    try:
        async with transaction(session):
            run = await take_for_storing(session, claim, clock=clock)
            rnd = await session.get_one(Round, data.round.id)
            await store_run(session, run, result, data.rows)
            run.progress = tracker.snapshot()
            stored = await session.scalar(
                select(func.count())
                .select_from(AnalysisRun)
                .where(AnalysisRun.round_id == rnd.id, AnalysisRun.status == RunStatus.SUCCEEDED)
            )
            version = await store_version(session, rnd, run, result, data.rows, requested_by_id)
            if rnd.status is RoundStatus.CLOSED:
                rnd.status = RoundStatus.ANALYSED
            record_event(
                session,
                actor,
                "analysis.completed",
                "round",
                f"{slug}/{number}",
                study_id=data.study.id,
                detail={
                    "run": str(run.id),
                    "runs_for_round": stored,
                    "version": version.number,
                    "themes": len(result.themes),
                    "singular_views": len(result.singular_views),
                    "drafter": result.synthesis.drafter,
                },
            )
    except IntegrityError as exc:
        # Two analyses of one round finishing together both claim the next version number;
        # the database keeps the first, and this one is refused whole (nothing half-written).
        raise Conflict(
            f"another analysis of round {number} of {slug!r} was saved while this one ran; "
            "nothing from this run was stored: run it again to add a new version",
            code="version_race",
            context={"study": slug, "round": number},
        ) from exc
    return AnalysisOutcome(run.id, version.number, result)
