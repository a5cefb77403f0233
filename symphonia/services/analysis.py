"""Analysing a round, as a job: request a run, then execute it (in a worker, or inline).

`request_analysis` checks the round can be analysed, writes a pending `analysis_run` with
serialisable options and returns its id; a worker (`symphonia.jobs`) claims and executes
it. `analyse_round` is the same path run inline, for the CLI and tests: request, claim the
run just requested, execute it (`symphonia.services.analysis_exec`), return the outcome.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, Permission
from symphonia.db.audit import record_event
from symphonia.db.enums import RunStatus
from symphonia.db.models import AnalysisRun
from symphonia.pipeline.contracts import Drafter, Embedder, ProgressCallback, no_progress
from symphonia.pipeline.llm import DEFAULT_DRAFTER, DRAFTERS
from symphonia.services.analysis_exec import AnalysisOutcome, Execution, Sessions, execute_run
from symphonia.services.analysis_runs import claim_run
from symphonia.services.errors import Problem, RejectedInput
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.round_input import check_analysable
from symphonia.services.tx import transaction

__all__ = [
    "AnalysisOptions",
    "AnalysisOutcome",
    "Execution",
    "analyse_round",
    "request_analysis",
    "run_inline",
]


@dataclass(frozen=True, slots=True)
class AnalysisOptions:
    """What a run is asked to do; stored as JSON on the run, so a worker in another process
    (or on another machine) runs exactly what was asked."""

    drafter: str = DEFAULT_DRAFTER
    allow_fallback: bool = True
    """Whether a model that drafts none of the themes may leave the extractive draft in its
    place (the draft says so either way); False fails the run instead, storing nothing."""

    def as_dict(self) -> dict[str, Any]:
        """The options as stored; `allow_fallback` only when it is not the default, so runs
        stored before the option existed read the same as runs that leave it alone."""
        stored: dict[str, Any] = {"drafter": self.drafter}
        if not self.allow_fallback:
            stored["allow_fallback"] = False
        return stored

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnalysisOptions:
        """Options from JSON (an API body), refused with every problem listed."""
        known = {f.name for f in fields(cls)}
        problems = [
            Problem("options", str(name), "unknown option") for name in data if name not in known
        ]
        drafter = data.get("drafter", DEFAULT_DRAFTER)
        if drafter not in DRAFTERS:
            reason = f"unknown drafter {drafter!r}; expected one of {', '.join(DRAFTERS)}"
            problems.append(Problem("options", "drafter", reason))
        allow_fallback = data.get("allow_fallback", True)
        if not isinstance(allow_fallback, bool):
            problems.append(Problem("options", "allow_fallback", "must be true or false"))
        if problems:
            raise RejectedInput("analysis options: refused", problems)
        return cls(drafter=str(drafter), allow_fallback=bool(allow_fallback))


async def request_analysis(
    session: AsyncSession,
    slug: str,
    number: int,
    options: AnalysisOptions = AnalysisOptions(),
    *,
    actor: Actor,
) -> uuid.UUID:
    """Queue an analysis of round `number` and return the run's id. A round that cannot be
    analysed (not closed, no evidence) is refused now, before anything is written."""
    checked = AnalysisOptions.from_dict(options.as_dict())
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.RUN_ANALYSIS)
        rnd = await get_round(session, study, number)
        await check_analysable(session, study, rnd)
        run = AnalysisRun(
            round_id=rnd.id,
            status=RunStatus.PENDING,
            options=checked.as_dict(),
            progress={},
            requested_by=actor.label,
            requested_by_id=actor.account_id,
        )
        session.add(run)
        await session.flush()
        record_event(
            session,
            actor,
            "analysis.requested",
            "analysis_run",
            run.id,
            study_id=study.id,
            detail={"round": number, "options": checked.as_dict()},
        )
    return run.id


async def run_inline(
    sessions: Sessions,
    slug: str,
    number: int,
    options: AnalysisOptions,
    how: Execution,
    *,
    progress: ProgressCallback = no_progress,
) -> AnalysisOutcome:
    """Request an analysis and run it here and now, as a worker would (the CLI's path)."""
    async with sessions() as session:
        run_id = await request_analysis(session, slug, number, options, actor=how.actor)
        worker = f"inline:{how.actor.label}:{os.getpid()}"
        claim = await claim_run(session, run_id, worker, clock=how.clock)
    return await execute_run(sessions, claim, how, progress=progress)


async def analyse_round(
    session: AsyncSession,
    slug: str,
    number: int,
    embedder: Embedder,
    drafter: Drafter | None,
    *,
    actor: Actor,
    progress: ProgressCallback = no_progress,
) -> AnalysisOutcome:
    """Analyse round `number` now with this embedder and drafter, on `session`'s database,
    and store a new synthesis version for it (:func:`run_inline`). The session's loaded
    objects are expired afterwards, since the run changed rows under them."""
    options = AnalysisOptions(
        drafter.name if drafter is not None else DEFAULT_DRAFTER,
        allow_fallback=not getattr(drafter, "require_model", False),
    )
    sessions = async_sessionmaker(bind=session.bind, expire_on_commit=False)
    how = Execution(
        embedder=lambda: embedder, drafter_for=lambda _name, _allow: drafter, actor=actor
    )
    try:
        return await run_inline(sessions, slug, number, options, how, progress=progress)
    finally:
        session.expire_all()
