"""`symphonia worker`: run analysis jobs as their own process.

Runs until SIGTERM or SIGINT (finishing the job in hand first), or with ``--once`` until no
job is pending. With SYMPHONIA_QUEUE=saq it is a SAQ worker on the PostgreSQL queue
(:mod:`symphonia.jobs.saq_queue`); otherwise it polls the job rows. Either way a worker
killed outright (SIGKILL, a lost machine) loses nothing: its job goes back to the queue and
another worker finishes it, once.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from symphonia.cli.common import console, count, handle_errors, run, settings
from symphonia.composition import Container
from symphonia.jobs import InProcessWorker
from symphonia.settings.production import require_production_ready


async def _saq(container: Container, once: bool) -> None:
    from symphonia.jobs.saq_queue import make_worker

    jobs = make_worker(container, burst=once)
    console.print(f"worker {jobs.id}: waiting for jobs on the SAQ queue (SIGTERM stops it)")
    await jobs.start()  # SAQ stops on SIGTERM/SIGINT after the job in hand
    console.print(f"worker {jobs.id}: stopped")


async def _polling(container: Container, once: bool) -> None:
    jobs = InProcessWorker(container)
    if once:
        await jobs.drain()
    else:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, jobs.request_stop)
        console.print(f"worker {jobs.name}: waiting for jobs (SIGTERM or Ctrl-C stops it)")
        await jobs.run_forever()
    failed = f", {jobs.failed} failed (see `symphonia analysis status`)" if jobs.failed else ""
    console.print(f"worker {jobs.name}: ran {count(jobs.succeeded + jobs.failed, 'job')}{failed}")


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the pending jobs, then exit.")] = False,
) -> None:
    """Run analysis jobs requested from the web app or the API, until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with handle_errors():
        require_production_ready(settings(), "worker")

    async def go(container: Container) -> None:
        if container.settings.worker.queue == "saq":
            await _saq(container, once)
        else:
            await _polling(container, once)

    run(go)
