"""Dependencies of the facilitator's pages and API: the app's mail batches, report exports
and its worker.

Both live on the app's state (made by the app's lifespan in :mod:`symphonia.web.app`);
controllers that need them declare these providers themselves.
"""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from symphonia.jobs import JobDispatch
from symphonia.jobs.mailings import Mailings
from symphonia.jobs.report_exports import ReportExports

MailingsDep = NamedDependency[Mailings]
ExportsDep = NamedDependency[ReportExports]
WorkerDep = NamedDependency[JobDispatch | None]


def provide_mailings(state: State) -> Mailings:
    mailings: Mailings = state.mailings
    return mailings


def provide_exports(state: State) -> ReportExports:
    exports: ReportExports = state.exports
    return exports


def provide_worker(state: State) -> JobDispatch | None:
    """The in-process worker or the SAQ queue, or None when `symphonia worker` processes
    poll the rows themselves."""
    worker: JobDispatch | None = state.worker
    return worker


FACILITATOR_DEPENDENCIES = {
    "mailings": Provide(provide_mailings, sync_to_thread=False),
    "worker": Provide(provide_worker, sync_to_thread=False),
    "exports": Provide(provide_exports, sync_to_thread=False),
}
