"""Analysis runs as a job kind, built on the services that own their rows."""

from __future__ import annotations

import datetime
import logging

from symphonia.composition import Container
from symphonia.core.actors import Actor
from symphonia.services.analysis_exec import execute_run
from symphonia.services.analysis_runs import Claim, claim_next, recover_stale

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
