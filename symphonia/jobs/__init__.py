"""Long work as jobs (DESIGN.md §10): a request writes a pending row, a worker runs it.

- :mod:`symphonia.jobs.base`: the job interface (:class:`JobKind`) a worker drives.
- :mod:`symphonia.jobs.analysis`: analysis and drafting runs as a job kind.
- :mod:`symphonia.jobs.worker`: :class:`InProcessWorker`, the loop that claims and runs
  jobs; the web app runs it as an asyncio task, `symphonia worker` as its own process.

Heavy work runs in a thread, never on the event loop. Issue 14 puts a kept queue (SAQ on
PostgreSQL) behind the same interface; the rows stay the record of what was asked and done.
"""

from symphonia.jobs.analysis import AnalysisJobs
from symphonia.jobs.base import JobKind
from symphonia.jobs.worker import InProcessWorker, worker_name

__all__ = ["AnalysisJobs", "InProcessWorker", "JobKind", "worker_name"]
