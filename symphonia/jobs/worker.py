"""The worker loop: recover abandoned jobs, then claim and run jobs one at a time.

One loop serves both deployments: the web app starts it as an asyncio task next to the
server (:meth:`InProcessWorker.start`, :meth:`InProcessWorker.stop`), and `symphonia
worker` runs it as a process until SIGTERM or SIGINT (``--once``: until nothing is left).
Jobs run one at a time: the heavy part of a job runs in a thread, and two analyses at once
would only compete for the same cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Sequence

from symphonia.composition import Container
from symphonia.jobs.analysis import AnalysisJobs
from symphonia.jobs.base import JobKind

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """host:pid:random, unique among live workers, readable in `analysis status`."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class InProcessWorker:
    """Runs the jobs of `kinds` (default: analysis runs) with the container's collaborators."""

    def __init__(
        self,
        container: Container,
        kinds: Sequence[JobKind] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self.container = container
        self.kinds: tuple[JobKind, ...] = tuple(kinds or (AnalysisJobs(container),))
        self.name = name or worker_name()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.succeeded = 0
        self.failed = 0
        """Jobs this worker ran, by outcome (a failed job keeps its error on its row)."""

    async def recover(self) -> int:
        """Requeue what killed workers left behind (done on start, and while idle)."""
        return sum([await kind.recover() for kind in self.kinds])

    async def run_next(self) -> bool:
        """Claim and run one job of any kind; False when nothing was pending. A job that
        fails keeps its error on its row; the worker logs it and goes on."""
        for kind in self.kinds:
            claim = await kind.claim(self.name)
            if claim is None:
                continue
            logger.info("%s: running %s job %s", self.name, kind.name, claim.run_id)
            try:
                await kind.run(claim)
            except Exception as exc:  # kept on the job by the kind; the loop goes on
                self.failed += 1
                logger.warning("%s job %s failed: %s", kind.name, claim.run_id, exc)
            else:
                self.succeeded += 1
            return True
        return False

    async def drain(self) -> int:
        """Recover, then run jobs until none is pending; returns how many ran."""
        await self.recover()
        ran = 0
        while not self._stop.is_set() and await self.run_next():
            ran += 1
        return ran

    async def run_forever(self) -> None:
        """Run jobs as they come until :meth:`request_stop`; the job in hand is finished
        first (a killed worker's job is resumed by the next worker instead)."""
        settings = self.container.settings.worker
        idle_since_recovery = 0.0
        await self.recover()
        while not self._stop.is_set():
            try:
                if await self.run_next():
                    continue
            except Exception:  # the database went away, say: keep the worker, try again
                logger.exception("%s: could not look for jobs; trying again", self.name)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=settings.poll_s)
            idle_since_recovery += settings.poll_s
            if idle_since_recovery >= settings.stale_after_s:
                idle_since_recovery = 0.0
                try:
                    await self.recover()
                except Exception:
                    logger.exception("%s: could not recover abandoned jobs", self.name)

    def wake(self) -> None:
        """A job was just requested: look now rather than at the next poll."""
        self._wake.set()

    def request_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def start(self) -> asyncio.Task[None]:
        """Run :meth:`run_forever` as a task on the running loop (the web app's worker)."""
        if self._task is None or self._task.done():
            self._stop.clear()
            self._task = asyncio.create_task(self.run_forever(), name=f"worker {self.name}")
        return self._task

    async def stop(self) -> None:
        """Stop after the job in hand, and wait for it."""
        self.request_stop()
        if self._task is not None:
            await self._task
            self._task = None
