"""The job interface: what a worker needs from each kind of job it runs."""

from __future__ import annotations

from typing import Protocol

from symphonia.services.analysis_runs import Claim


class JobKind(Protocol):
    """One kind of job (analysis runs today; exports and emails later).

    Each kind keeps its jobs as rows and owns their rules: claiming is atomic, a claim is a
    fencing token, a failure is kept on the row. The worker only decides *when* to call.
    """

    @property
    def name(self) -> str: ...

    async def recover(self) -> int:
        """Requeue (or fail, past their attempts) jobs whose worker stopped beating;
        returns how many were found."""
        ...

    async def claim(self, worker: str) -> Claim | None:
        """Take the oldest pending job for `worker`, or None."""
        ...

    async def run(self, claim: Claim) -> None:
        """Do the claimed job and store its outcome; a failure is kept on the job and raised."""
        ...
