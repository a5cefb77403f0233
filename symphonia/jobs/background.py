"""Jobs run as tasks of this process: the embedded default's runner for batches of emails
and report exports (with SYMPHONIA_QUEUE=saq they go to the queue instead).

One task per job at a time (keyed), so handing a job over twice runs it once; on shutdown
the running jobs get a grace period, then are told to stop after the step in hand (their
rows keep what is left, and the next start picks it up).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Coroutine, Hashable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.composition import Container
from symphonia.jobs.dispatch import JobDispatch

logger = logging.getLogger(__name__)


class InProcessTasks:
    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}
        self.stopping = False

    def spawn(self, key: Hashable, make: Callable[[], Coroutine[Any, Any, object]]) -> None:
        """Run `make()` as a task unless the job `key` is running already; its errors are
        the job's to record (they are logged here, not raised)."""
        if key in self._tasks:
            return

        async def run() -> None:
            with contextlib.suppress(Exception):  # recorded on the job's row by the job
                await make()

        task = asyncio.create_task(run(), name=f"job {key}")
        self._tasks[key] = task
        task.add_done_callback(lambda _: self._tasks.pop(key, None))

    async def aclose(self, grace_s: float = 10.0) -> None:
        """Give the tasks on this loop `grace_s` to finish, then ask them to stop after the
        step in hand (`stopping`), then cancel what is left. (A test client may run requests
        on another loop than the app's lifespan: those tasks are cancelled, not awaited.)"""
        loop = asyncio.get_running_loop()
        mine = {task for task in self._tasks.values() if task.get_loop() is loop}
        if mine:
            await asyncio.wait(mine, timeout=grace_s)
        self.stopping = True
        if mine:
            await asyncio.wait(mine, timeout=grace_s)
        for task in list(self._tasks.values()):
            if task.get_loop() is loop:
                task.cancel()
            else:
                task.get_loop().call_soon_threadsafe(task.cancel)
        if mine:
            await asyncio.gather(*mine, return_exceptions=True)


class HandOver(abc.ABC):
    """A kind of job a request hands over: to the queue when there is one (`queue`: the SAQ
    dispatch, whose wake enqueues every unfinished job), else to a task of this process;
    with `resume` (the process that runs jobs) what a stopped process left is picked up
    at start. Subclasses say how to run one job and which are unfinished."""

    kind: str

    def __init__(
        self,
        container: Container,
        tasks: InProcessTasks,
        *,
        queue: JobDispatch | None = None,
        resume: bool = False,
    ) -> None:
        self.container = container
        self.tasks = tasks
        self.queue = queue
        if resume and queue is None:
            tasks.spawn(f"resume {self.kind}", self._resume)

    @abc.abstractmethod
    async def run_here(self, job_id: uuid.UUID) -> object:
        """Run the job in this process (it records its own outcome)."""

    @abc.abstractmethod
    async def unfinished(self, session: AsyncSession) -> list[uuid.UUID]:
        """The jobs of this kind still to do."""

    def hand_over(self, job_id: uuid.UUID) -> None:
        if self.queue is not None:
            self.queue.wake()  # a hand-over lost here is made good by the next wake
        else:
            self.tasks.spawn((self.kind, job_id), lambda: self.run_here(job_id))

    async def _resume(self) -> None:
        async with self.container.session() as session:
            for job_id in await self.unfinished(session):
                self.hand_over(job_id)
