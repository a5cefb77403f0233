"""How a process hands the jobs it requested to whoever runs them, whatever the queue.

A request writes a pending row and calls :meth:`JobDispatch.wake`. On the embedded default
the in-process worker runs beside the web server and looks at once; with SYMPHONIA_QUEUE=saq
the web app only enqueues SAQ jobs and `symphonia worker` processes run them. Either way
the row is the record: a wake-up that is lost (the process stopped) is made good by the
next worker's poll or reconciliation.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from symphonia.composition import Container


@runtime_checkable
class JobDispatch(Protocol):
    def wake(self) -> None:
        """A job row was just written: hand it over now rather than at the next poll."""
        ...

    def start(self) -> object:
        """Begin (on the running event loop)."""
        ...

    async def stop(self) -> None:
        """Finish what is in hand and let go of connections."""
        ...


def job_dispatch(container: Container, *, run_worker: bool) -> JobDispatch | None:
    """The web app's dispatch: the SAQ queue when configured (this process only enqueues),
    else the in-process worker when `run_worker`, else none (`symphonia worker` processes
    poll the rows)."""
    if container.settings.worker.queue == "saq":
        from symphonia.jobs.saq_queue import SaqDispatch  # psycopg only where it is used

        return SaqDispatch(container)
    if run_worker:
        from symphonia.jobs.worker import InProcessWorker

        return InProcessWorker(container)
    return None
