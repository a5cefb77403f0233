"""`symphonia worker`: run analysis jobs as their own process.

Runs until SIGTERM or SIGINT (finishing the job in hand first), or with ``--once`` until no
job is pending. A worker killed outright (SIGKILL, a lost machine) loses nothing: its run
stops beating, and the next worker to start runs it again.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from symphonia.cli.common import console, count, run
from symphonia.composition import Container
from symphonia.jobs import InProcessWorker


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the pending jobs, then exit.")] = False,
) -> None:
    """Run analysis jobs requested from the web app or the API, until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    async def go(container: Container) -> None:
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
        console.print(
            f"worker {jobs.name}: ran {count(jobs.succeeded + jobs.failed, 'job')}{failed}"
        )

    run(go)
