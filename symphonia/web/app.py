"""The web application factory: `create_app()` is what `symphonia serve` and the tests run.

The app owns one :class:`~symphonia.composition.Container` (engine, sessions, the embedder,
the mailer) for its lifetime and, on the embedded default, the in-process worker that runs
analysis jobs next to the server: heavy work in a thread, never on the event loop; and
the batches of invitations and reminders (:mod:`symphonia.jobs.mailings`), on the SAQ
queue when SYMPHONIA_QUEUE=saq.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.logging.config import LoggingConfig

from symphonia.composition import Container
from symphonia.jobs import job_dispatch
from symphonia.jobs.background import InProcessTasks
from symphonia.jobs.mailings import Mailings
from symphonia.jobs.report_exports import ReportExports
from symphonia.settings import Settings, get_settings
from symphonia.settings.production import require_production_ready
from symphonia.web.plugin import SymphoniaWeb
from symphonia.web.secrets import web_keys


def create_app(
    settings: Settings | None = None,
    *,
    container_factory: Callable[[Settings], Container] = Container,
    run_worker: bool = True,
    debug: bool = False,
    freeze_at_start: bool = False,
) -> Litestar:
    """The app. Its container is made by `container_factory` when the app starts and closed
    when it stops, inside the app's own event loop (database connections belong to the loop
    that opened them); `run_worker` starts the in-process worker with the app.

    `freeze_at_start` (for the server's own process, `symphonia serve`) moves every object
    alive once the app has started out of the garbage collector's sight (`gc.freeze`):
    modules, the app, the engine, about 200,000 objects that live as long as the process.
    Otherwise each full collection, every few hundred requests under load, walks all of
    them again, pausing every request of the process meanwhile (60 to 90 ms measured on 2
    busy cores), which showed in the tail of `benchmarks/web_load.py`. Not for tests or
    embedding: frozen objects are never collected, so an app made and dropped again would
    stay in memory."""
    settings = settings or get_settings()
    require_production_ready(settings, "web server")
    keys = web_keys(settings.web.secret_key, settings.data_dir)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        container = container_factory(settings)
        app.state.container = container
        worker = job_dispatch(container, run_worker=run_worker)
        if worker is not None:
            worker.start()
        app.state.worker = worker
        queue = worker if settings.worker.queue == "saq" else None
        tasks = InProcessTasks()  # emails and exports, when no queue takes them
        app.state.mailings = Mailings(container, tasks, queue=queue, resume=run_worker)
        app.state.exports = ReportExports(container, tasks, queue=queue, resume=run_worker)
        if freeze_at_start:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await tasks.aclose()
            if worker is not None:
                await worker.stop()
            await container.aclose()

    return Litestar(
        plugins=[SymphoniaWeb(settings, keys)],
        lifespan=[lifespan],
        logging_config=LoggingConfig(
            root={"level": "WARNING", "handlers": ["queue_listener"]},
            loggers={"symphonia": {"level": "INFO", "propagate": True}},
            log_exceptions="never",  # our exception handlers log what is unexpected, once
        ),
        debug=debug,
    )
