"""Jobs on a kept queue: SAQ, through litestar-saq, with its PostgreSQL backend.

Production (SYMPHONIA_QUEUE=saq) runs jobs in `symphonia worker` processes fed by SAQ, whose
jobs live in the application's own PostgreSQL database (tables ``saq_jobs``, ``saq_stats``,
``saq_versions``, made by SAQ itself): no Redis, one thing to back up. Why SAQ: it is kept,
small, asyncio-native (our jobs are async and push the heavy part into a thread), and on
PostgreSQL it dequeues with ``FOR UPDATE SKIP LOCKED`` and LISTEN/NOTIFY, retries with
exponential backoff, and sweeps jobs whose worker stopped touching them (killed) back
into the queue.

The job rows (``analysis_run``) stay the record of what was asked and done; SAQ is only the
transport that delivers "run this row" to one worker at a time:

- a job's key is ``analysis:<run id>``, so enqueuing a row twice (the web app after a
  request, a worker reconciling pending rows at start) makes one job;
- the job body (:meth:`AnalysisJobs.run_requested`) is idempotent against the row: a run
  already finished is left alone, a run claimed by another worker is waited for, and the
  claim's fencing token makes a second result impossible, so a job SAQ delivers twice
  (worker SIGKILLed, job swept and retried) still stores one synthesis version;
- failures with attempts left put the row back to pending and raise, so SAQ retries with
  backoff (``retry_delay_s``, doubling); the last failure stays on the row for the
  facilitator's run page.

Report exports ride it too (key ``export:<id>``), and batches of invitations and reminders
(key ``mailing:<id>``); their
rows (``mailing``, ``mail_delivery``) make each message go out once however often the job
runs (:mod:`symphonia.jobs.mailings`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

from litestar_saq import QueueConfig, SAQConfig
from litestar_saq.base import CronJob, Worker
from saq import Job, Queue
from saq.types import Context, PartialTimersDict

from symphonia.composition import Container
from symphonia.jobs.analysis import AnalysisJobs
from symphonia.jobs.mailings import MailingJobs
from symphonia.jobs.report_exports import ExportJobs
from symphonia.jobs.worker import worker_name
from symphonia.services.analysis_runs import pending_runs
from symphonia.services.mailings import unfinished_mailings
from symphonia.services.report_exports import unfinished_exports
from symphonia.settings import Settings

logger = logging.getLogger(__name__)

BURST_IDLE_S = 2.0
"""`symphonia worker --once`: stop once no job came for this long (SAQ needs a wait > 0)."""
QUEUE_NAME = "symphonia"
ANALYSIS = "analysis"
MAILING = "mailing"
EXPORT = "export"


def psycopg_url(database_url: str) -> str:
    """SAQ talks to PostgreSQL through psycopg, which wants the plain libpq URL."""
    scheme, sep, rest = database_url.partition("://")
    if not sep or not scheme.startswith("postgres"):
        raise ValueError("the SAQ queue needs a PostgreSQL database URL")
    return f"postgresql://{rest}"


def sweep_every_s(settings: Settings) -> int:
    """How often a worker looks for jobs whose worker died: often enough that a killed
    worker's job goes back to the queue about when its row's heartbeat goes stale."""
    return max(1, min(60, math.ceil(settings.worker.stale_after_s / 2)))


def queue_config(settings: Settings, *, concurrency: int = 1) -> QueueConfig:
    """The one queue: jobs run one at a time per worker process by default (an analysis
    already uses the process's cores through its thread)."""
    return QueueConfig(
        dsn=psycopg_url(settings.resolved_database_url),
        name=QUEUE_NAME,
        tasks=[analysis, mailing, export],
        scheduled_tasks=[CronJob(function=reconcile, cron="* * * * *", timeout=60)],
        startup=[_startup],
        shutdown=[_shutdown],
        concurrency=concurrency,
        broker_options={"min_size": 1, "max_size": 4},
        timers=cast(PartialTimersDict, {"sweep": sweep_every_s(settings)}),
        separate_process=False,
    )


def make_queue(settings: Settings, *, concurrency: int = 1) -> tuple[QueueConfig, Queue]:
    config = queue_config(settings, concurrency=concurrency)
    return config, SAQConfig(queue_configs=[config]).get_queues().get(QUEUE_NAME)


def job_options(settings: Settings) -> dict[str, Any]:
    """Retries, backoff and liveness of every job: SAQ gives a job `max_attempts` tries in
    all (the row's own count decides when to stop, see `run_requested`); a job its worker
    has not touched for `stale_after_s` is swept and delivered again."""
    worker = settings.worker
    return {
        "retries": worker.max_attempts,
        "retry_delay": worker.retry_delay_s,
        "retry_backoff": True,
        "heartbeat": max(1, math.ceil(worker.stale_after_s)),
        "timeout": 0,
    }


async def enqueue_analysis(queue: Queue, settings: Settings, run_id: uuid.UUID) -> None:
    """One job for the run (none more if it is already queued or running)."""
    await queue.enqueue(
        ANALYSIS, key=f"{ANALYSIS}:{run_id}", run_id=str(run_id), **job_options(settings)
    )


async def enqueue_mailing(queue: Queue, settings: Settings, mailing_id: uuid.UUID) -> None:
    """One job for the batch of emails (none more while one is queued or running)."""
    await queue.enqueue(
        MAILING, key=f"{MAILING}:{mailing_id}", mailing_id=str(mailing_id), **job_options(settings)
    )


async def enqueue_export(queue: Queue, settings: Settings, export_id: uuid.UUID) -> None:
    """One job for the report export (none more while one is queued or running)."""
    await queue.enqueue(
        EXPORT, key=f"{EXPORT}:{export_id}", export_id=str(export_id), **job_options(settings)
    )


async def enqueue_pending(queue: Queue, container: Container) -> int:
    """A job for every pending run, batch of emails still sending and unfinished export: what a
    request's process could not hand over (it stopped between storing the row and
    enqueuing) is never left behind."""
    async with container.session() as session:
        runs = await pending_runs(session)
        mailings = await unfinished_mailings(session)
        exports = await unfinished_exports(session)
    for run_id in runs:
        await enqueue_analysis(queue, container.settings, run_id)
    for mailing_id in mailings:
        await enqueue_mailing(queue, container.settings, mailing_id)
    for export_id in exports:
        await enqueue_export(queue, container.settings, export_id)
    return len(runs) + len(mailings) + len(exports)


@contextlib.asynccontextmanager
async def _touching(job: Job, every_s: float) -> AsyncIterator[None]:
    """Keep SAQ's heartbeat on the job while its body works (a killed worker stops)."""

    async def touch() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await job.update()
            except Exception:  # a missed touch is retried on the next beat
                logger.warning("could not touch job %s", job.key, exc_info=True)

    task = asyncio.create_task(touch())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _container(ctx: Context) -> Container:
    """The worker's container, put in the context by :func:`make_worker`."""
    container: Container = cast(dict[str, Any], ctx)["container"]
    return container


async def analysis(ctx: Context, *, run_id: str) -> str:
    """The SAQ job: bring the analysis run to an end (see the module docstring)."""
    container = _container(ctx)
    job, worker = ctx["job"], ctx["worker"]
    async with _touching(job, container.settings.worker.heartbeat_s):
        return await AnalysisJobs(container).run_requested(uuid.UUID(run_id), str(worker.id))


async def mailing(ctx: Context, *, mailing_id: str) -> str:
    """The SAQ job for a batch of emails: send what is left of it, each message once
    (:class:`~symphonia.jobs.mailings.MailingJobs`); its last try ends the batch as
    stopped with the error, earlier ones leave it to the retry."""
    container = _container(ctx)
    job = ctx["job"]
    last = job.attempts >= job.retries
    async with _touching(job, container.settings.worker.heartbeat_s):
        state = await MailingJobs(container).run(uuid.UUID(mailing_id), last_attempt=last)
    return state.value


async def export(ctx: Context, *, export_id: str) -> str:
    """The SAQ job for a report export (:class:`~symphonia.jobs.report_exports.ExportJobs`)."""
    container = _container(ctx)
    job = ctx["job"]
    async with _touching(job, container.settings.worker.heartbeat_s):
        status = await ExportJobs(container).run(
            uuid.UUID(export_id), last_attempt=job.attempts >= job.retries
        )
    return status.value if status else "done already"


async def reconcile(ctx: Context) -> int:
    """Every minute (one worker runs it), and at each worker's start: a job for every
    pending row, so a row whose request never reached the queue is picked up anyway."""
    found = await enqueue_pending(ctx["worker"].queue, _container(ctx))
    if found:
        logger.info("queued %d pending job(s)", found)
    return found


async def _startup(ctx: Context) -> None:
    await ctx["worker"].queue.connect()  # SAQ connects after the startup hooks; we need it now
    await reconcile(ctx)


async def _shutdown(ctx: Context) -> None:
    await _container(ctx).aclose()


def make_worker(container: Container, *, concurrency: int = 1, burst: bool = False) -> Worker:
    """A SAQ worker for `symphonia worker`, with the container in every job's context."""
    config, queue = make_queue(container.settings, concurrency=concurrency)
    worker = Worker(
        queue,
        functions=config.tasks,  # type: ignore[arg-type]
        id=worker_name(),
        concurrency=concurrency,
        cron_jobs=config.scheduled_tasks,
        startup=config.startup,  # type: ignore[arg-type]
        shutdown=config.shutdown,  # type: ignore[arg-type]
        timers=config.timers,
        burst=burst,
        dequeue_timeout=BURST_IDLE_S if burst else 0,
        separate_process=False,
        enable_heartbeat_manager=False,
    )
    cast(dict[str, Any], worker.context)["container"] = container
    return worker


class SaqDispatch:
    """The web app's side of the queue: it only enqueues. `wake()` (called by the pages and
    the API after a request writes a pending row) hands every pending row to SAQ."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self._queue: Queue | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def queue(self) -> Queue:
        if self._queue is None:
            _, queue = make_queue(self.container.settings)
            await queue.connect()
            self._queue = queue
        return self._queue

    async def enqueue_pending(self) -> int:
        return await enqueue_pending(await self.queue(), self.container)

    def wake(self) -> None:
        task = asyncio.create_task(self._hand_over())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hand_over(self) -> None:
        try:
            await self.enqueue_pending()
        except Exception:  # the next request, or a worker's start, hands the row over
            logger.exception("could not hand pending runs to the queue")

    def start(self) -> None:
        self.wake()

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._queue is not None:
            await self._queue.disconnect()
            self._queue = None
