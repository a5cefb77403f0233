"""Analysis runs as a job kind, built on the services that own their rows."""

from __future__ import annotations

import asyncio
import datetime
import logging
import uuid

from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.db.enums import RunStatus
from symphonia.services.analysis_exec import execute_run
from symphonia.services.analysis_runs import (
    Claim,
    claim_next,
    claim_run,
    recover_stale,
    retry_failed,
    run_state,
)
from symphonia.services.errors import Conflict

logger = logging.getLogger(__name__)


class AnalysisJobs:
    """Claims pending analysis runs and executes them with the container's embedder (one per
    process) and drafters, acting as the system (each run was checked when requested)."""

    name = "analysis"

    def __init__(self, container: Container, actor: Actor | None = None) -> None:
        self.container = container
        self.actor = actor or Actor.system("worker")

    async def recover(self) -> int:
        worker = self.container.settings.worker
        async with self.container.session() as session:
            found = await recover_stale(
                session,
                actor=self.actor,
                stale_after=datetime.timedelta(seconds=worker.stale_after_s),
                max_attempts=worker.max_attempts,
                clock=self.container.clock,
            )
        for run_id in found.requeued:
            logger.warning("analysis run %s was abandoned by its worker; queued again", run_id)
        for run_id in found.failed:
            logger.error("analysis run %s was abandoned too often; marked failed", run_id)
        return len(found.requeued) + len(found.failed)

    async def claim(self, worker: str) -> Claim | None:
        async with self.container.session() as session:
            return await claim_next(session, worker, clock=self.container.clock)

    async def run(self, claim: Claim) -> None:
        how = self.container.execution(self.actor)
        outcome = await execute_run(self.container.sessions, claim, how)
        logger.info(
            "analysis run %s stored as synthesis version %s", claim.run_id, outcome.version_number
        )

    async def run_requested(self, run_id: uuid.UUID, worker: str) -> str:
        """Bring one named run to an end, however often its job is delivered: the body of
        a queue's job (`symphonia.jobs.saq_queue`), safe to run twice.

        A run already finished is left alone (a job delivered again after its worker died
        between storing the result and acknowledging the job does nothing); a run another
        worker holds is waited for, until it ends or its heartbeat goes stale and it is
        recovered; a pending run is claimed and executed. A failure with attempts left puts
        the run back to pending and is raised, so the queue retries it with backoff; the
        last failure stays on the run (`failed`, with its error) and is returned.
        Returns the run's final status."""
        settings = self.container.settings.worker
        while True:
            await self.recover()
            async with self.container.session() as session:
                state = await run_state(session, run_id)
            if state is None:
                return "gone"  # the study (and its runs) was deleted meanwhile
            if state.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
                return state.status.value
            if state.status is RunStatus.PENDING:
                try:
                    async with self.container.session() as session:
                        claim = await claim_run(session, run_id, worker, clock=self.container.clock)
                except Conflict:
                    continue  # another worker claimed it first: look again
                break
            await asyncio.sleep(settings.heartbeat_s)  # running elsewhere: wait for its end
        try:
            await self.run(claim)
        except Exception:
            if claim.attempt < settings.max_attempts:
                async with self.container.session() as session:
                    await retry_failed(session, claim, actor=self.actor, clock=self.container.clock)
                raise
            return RunStatus.FAILED.value
        return RunStatus.SUCCEEDED.value
