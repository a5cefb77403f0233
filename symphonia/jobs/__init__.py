"""Long work as jobs (DESIGN.md §10): a request writes a pending row, a worker runs it.

- :mod:`symphonia.jobs.base`: the job interface (:class:`JobKind`) a worker drives.
- :mod:`symphonia.jobs.analysis`: analysis and drafting runs as a job kind.
- :mod:`symphonia.jobs.worker`: :class:`InProcessWorker`, the loop that claims and runs
  jobs; the web app runs it as an asyncio task, `symphonia worker` as its own process.

- :mod:`symphonia.jobs.saq_queue`: the same jobs on SAQ in PostgreSQL (SYMPHONIA_QUEUE=saq).
- :mod:`symphonia.jobs.dispatch`: how a request hands its job over, whichever runs it.

Heavy work runs in a thread, never on the event loop; the rows stay the record of what was
asked and done.
"""

from symphonia.jobs.analysis import AnalysisJobs
from symphonia.jobs.base import JobKind
from symphonia.jobs.dispatch import JobDispatch, job_dispatch
from symphonia.jobs.worker import InProcessWorker, worker_name

__all__ = [
    "AnalysisJobs",
    "InProcessWorker",
    "JobDispatch",
    "JobKind",
    "job_dispatch",
    "worker_name",
]
