"""An analysis run's life as a job: claimed, kept alive, finished or failed, recovered.

The rules that make a killed worker lose nothing and store nothing twice:

- **Claiming** is one conditional UPDATE (pending -> running, `attempts` + 1), so two workers
  never both get a run: on PostgreSQL its candidate is picked ``FOR UPDATE SKIP LOCKED``
  (workers skip each other's rows instead of queueing on them); on SQLite, which lets one
  writer in at a time, the statement itself is the lock.
- The claim is a **fencing token**: (run, worker, attempt). Heartbeats, the final store and
  a failure each change the row only while it still carries that token, so a worker that
  was given up for dead (and whose run went to another worker) cannot store a second result.
- A run left ``running`` whose **heartbeat is stale** (its worker was killed) goes back to
  pending when a worker starts, and runs again; after `max_attempts` claims it is failed
  instead, so a run that kills every worker cannot loop forever.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.db.audit import record_event
from symphonia.db.enums import RunStatus
from symphonia.db.models import AnalysisRun, Round
from symphonia.services.errors import Conflict
from symphonia.services.tx import transaction

Clock = Callable[[], datetime.datetime]

DEFAULT_STALE_AFTER = datetime.timedelta(seconds=60)
"""A running run whose heartbeat is older than this is taken for abandoned."""
DEFAULT_MAX_ATTEMPTS = 3


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True, slots=True)
class Claim:
    """A worker's hold on one run: the fencing token described in the module docstring."""

    run_id: uuid.UUID
    worker: str
    attempt: int


def _fenced(claim: Claim) -> Any:
    return update(AnalysisRun).where(
        AnalysisRun.id == claim.run_id,
        AnalysisRun.status == RunStatus.RUNNING,
        AnalysisRun.worker == claim.worker,
        AnalysisRun.attempts == claim.attempt,
    )


def _claiming(worker: str, now: datetime.datetime) -> Any:
    return (
        update(AnalysisRun)
        .where(AnalysisRun.status == RunStatus.PENDING)
        .values(
            status=RunStatus.RUNNING,
            worker=worker,
            attempts=AnalysisRun.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            error=None,
        )
        .returning(AnalysisRun.id, AnalysisRun.attempts)
        .execution_options(synchronize_session=False)
    )


async def claim_next(session: AsyncSession, worker: str, *, clock: Clock = utcnow) -> Claim | None:
    """Take the oldest pending run for `worker`, or None when nothing is waiting."""
    oldest = (
        select(AnalysisRun.id)
        .where(AnalysisRun.status == RunStatus.PENDING)
        .order_by(AnalysisRun.created_at, AnalysisRun.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    async with transaction(session):
        row = (
            await session.execute(_claiming(worker, clock()).where(AnalysisRun.id == oldest))
        ).one_or_none()
    return None if row is None else Claim(row.id, worker, row.attempts)


async def claim_run(
    session: AsyncSession, run_id: uuid.UUID, worker: str, *, clock: Clock = utcnow
) -> Claim:
    """Take one named run (the CLI runs the run it just requested), if still pending."""
    async with transaction(session):
        row = (
            await session.execute(_claiming(worker, clock()).where(AnalysisRun.id == run_id))
        ).one_or_none()
    if row is None:
        raise Conflict(
            f"analysis run {run_id} is no longer pending; another worker has it",
            code="run_taken",
            context={"run": str(run_id)},
        )
    return Claim(row.id, worker, row.attempts)


async def beat(
    session: AsyncSession, claim: Claim, progress: Mapping[str, Any], *, clock: Clock = utcnow
) -> bool:
    """Record that the claim's worker is alive, with its latest progress. False when the run
    is no longer this claim's (its result will be refused when stored)."""
    async with transaction(session):
        done = await session.execute(
            _fenced(claim)
            .values(heartbeat_at=clock(), progress=dict(progress))
            .execution_options(synchronize_session=False)
        )
    return bool(getattr(done, "rowcount", 0))


async def take_for_storing(
    session: AsyncSession, claim: Claim, *, clock: Clock = utcnow
) -> AnalysisRun:
    """Inside the storing transaction: mark the run succeeded, if it is still the claim's,
    and return it to fill in. Refused otherwise; the caller's transaction then rolls back,
    so a run is stored exactly once."""
    done = await session.execute(
        _fenced(claim)
        .values(status=RunStatus.SUCCEEDED, finished_at=clock(), heartbeat_at=clock())
        .execution_options(synchronize_session=False)
    )
    if not getattr(done, "rowcount", 0):
        raise Conflict(
            f"analysis run {claim.run_id} was given to another worker while this one ran "
            "(its heartbeat went stale); nothing from this attempt was stored",
            code="run_taken",
            context={"run": str(claim.run_id)},
        )
    return await session.get_one(AnalysisRun, claim.run_id, populate_existing=True)


async def fail_run(
    session: AsyncSession, claim: Claim, error: str, *, actor: Actor, clock: Clock = utcnow
) -> bool:
    """Mark the claim's run failed and keep `error`; False if the run was no longer its."""
    async with transaction(session):
        done = await session.execute(
            _fenced(claim)
            .values(status=RunStatus.FAILED, error=error, finished_at=clock())
            .execution_options(synchronize_session=False)
        )
        if not getattr(done, "rowcount", 0):
            return False
        run = await session.get_one(AnalysisRun, claim.run_id, populate_existing=True)
        rnd = await session.get_one(Round, run.round_id)
        record_event(
            session,
            actor,
            "analysis.failed",
            "analysis_run",
            run.id,
            study_id=rnd.study_id,
            detail={"round": rnd.number, "attempt": claim.attempt, "error": error[:2000]},
        )
    return True


@dataclass(frozen=True, slots=True)
class Recovery:
    """What a worker start did with runs abandoned by killed workers."""

    requeued: tuple[uuid.UUID, ...]
    failed: tuple[uuid.UUID, ...]


async def recover_stale(
    session: AsyncSession,
    *,
    actor: Actor,
    stale_after: datetime.timedelta = DEFAULT_STALE_AFTER,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    clock: Clock = utcnow,
) -> Recovery:
    """Put runs whose worker stopped beating back in the queue (or fail them after
    `max_attempts`), each with an audit event.

    Each change is one conditional UPDATE, written before anything is read, so workers
    starting together recover each run once (and SQLite never sees a read turn into a
    write). A requeued run keeps the name of the worker that abandoned it until claimed.
    """
    now = clock()
    cutoff = now - stale_after
    stale = (AnalysisRun.status == RunStatus.RUNNING, AnalysisRun.heartbeat_at < cutoff)
    returned = (AnalysisRun.id, AnalysisRun.attempts, AnalysisRun.worker, AnalysisRun.heartbeat_at)
    error = (
        "the worker stopped during each of its attempts (killed, or out of memory?); "
        "request the analysis again to retry"
    )
    async with transaction(session):
        failed = (
            await session.execute(
                update(AnalysisRun)
                .where(*stale, AnalysisRun.attempts >= max_attempts)
                .values(status=RunStatus.FAILED, error=error, finished_at=now)
                .returning(*returned)
                .execution_options(synchronize_session=False)
            )
        ).all()
        requeued = (
            await session.execute(
                update(AnalysisRun)
                .where(*stale)
                .values(status=RunStatus.PENDING)
                .returning(*returned)
                .execution_options(synchronize_session=False)
            )
        ).all()
        joined = await session.execute(
            select(AnalysisRun.id, Round)
            .join(Round, Round.id == AnalysisRun.round_id)
            .where(AnalysisRun.id.in_([r.id for r in [*failed, *requeued]]))
        )
        rounds = {run_id: rnd for run_id, rnd in joined}
        for rows, action in ((failed, "analysis.failed"), (requeued, "analysis.requeued")):
            for row in rows:
                rnd = rounds[row.id]
                detail = {
                    "round": rnd.number,
                    "attempt": row.attempts,
                    "worker": row.worker,
                    "last_heartbeat": row.heartbeat_at.isoformat() if row.heartbeat_at else None,
                }
                if action == "analysis.failed":
                    detail["error"] = error
                record_event(session, actor, action, "analysis_run", row.id, rnd.study_id, detail)
    return Recovery(tuple(r.id for r in requeued), tuple(r.id for r in failed))


async def retry_failed(
    session: AsyncSession, claim: Claim, *, actor: Actor, clock: Clock = utcnow
) -> bool:
    """Put the claim's failed run back in the queue for a later attempt (a queue that
    retries with backoff calls this while attempts remain); its error stays on the row
    until the next claim, and an `analysis.retrying` event records it. False when the run is
    no longer the failure this claim made."""
    async with transaction(session):
        done = await session.execute(
            update(AnalysisRun)
            .where(
                AnalysisRun.id == claim.run_id,
                AnalysisRun.status == RunStatus.FAILED,
                AnalysisRun.worker == claim.worker,
                AnalysisRun.attempts == claim.attempt,
            )
            .values(status=RunStatus.PENDING, finished_at=None)
            .execution_options(synchronize_session=False)
        )
        if not getattr(done, "rowcount", 0):
            return False
        run = await session.get_one(AnalysisRun, claim.run_id, populate_existing=True)
        rnd = await session.get_one(Round, run.round_id)
        record_event(
            session,
            actor,
            "analysis.retrying",
            "analysis_run",
            run.id,
            study_id=rnd.study_id,
            detail={
                "round": rnd.number,
                "attempt": claim.attempt,
                "error": (run.error or "")[:2000],
            },
        )
    return True


@dataclass(frozen=True, slots=True)
class RunState:
    """Where one run stands, for a queue deciding what to do with its job."""

    status: RunStatus
    attempts: int
    heartbeat_at: datetime.datetime | None


async def run_state(session: AsyncSession, run_id: uuid.UUID) -> RunState | None:
    async with transaction(session, write=False):
        row = (
            await session.execute(
                select(AnalysisRun.status, AnalysisRun.attempts, AnalysisRun.heartbeat_at).where(
                    AnalysisRun.id == run_id
                )
            )
        ).one_or_none()
    return None if row is None else RunState(row.status, row.attempts, row.heartbeat_at)


async def pending_runs(session: AsyncSession) -> list[uuid.UUID]:
    """Every pending run, oldest first: what a queue must hold a job for."""
    async with transaction(session, write=False):
        found = await session.scalars(
            select(AnalysisRun.id)
            .where(AnalysisRun.status == RunStatus.PENDING)
            .order_by(AnalysisRun.created_at, AnalysisRun.id)
        )
        return list(found)
