"""Analysis runs as facilitators follow them: a round's runs, or one run by id (the web's
progress poll). Read models only; the runs' life is in :mod:`symphonia.services.analysis_runs`."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.db.enums import RunStatus
from symphonia.db.models import AnalysisRun, Round, SynthesisVersion
from symphonia.services.errors import NotFound
from symphonia.services.lookup import get_round
from symphonia.services.permissions import require, study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class RunView:
    """An analysis run as a facilitator follows it."""

    id: uuid.UUID
    study_slug: str
    round_number: int
    status: RunStatus
    options: Mapping[str, Any]
    progress: Mapping[str, Any]
    error: str | None
    requested_by: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    heartbeat_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    attempts: int
    worker: str | None
    version_number: int | None
    """The synthesis version the run stored (once it succeeded)."""

    @classmethod
    def of(cls, run: AnalysisRun, slug: str, number: int, version: int | None) -> RunView:
        return cls(
            id=run.id,
            study_slug=slug,
            round_number=number,
            status=run.status,
            options=MappingProxyType(dict(run.options)),
            progress=MappingProxyType(dict(run.progress)),
            error=run.error,
            requested_by=run.requested_by,
            created_at=run.created_at,
            started_at=run.started_at,
            heartbeat_at=run.heartbeat_at,
            finished_at=run.finished_at,
            attempts=run.attempts,
            worker=run.worker,
            version_number=version,
        )


async def _versions(session: AsyncSession, run_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(SynthesisVersion.run_id, SynthesisVersion.number).where(
            SynthesisVersion.run_id.in_(run_ids)
        )
    )
    return {run_id: number for run_id, number in rows if run_id is not None}


async def list_runs(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> tuple[RunView, ...]:
    """The round's analysis runs, newest first."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.RUN_ANALYSIS)
        rnd = await get_round(session, study, number)
        runs = list(
            await session.scalars(
                select(AnalysisRun)
                .where(AnalysisRun.round_id == rnd.id)
                .order_by(AnalysisRun.created_at.desc(), AnalysisRun.id.desc())
            )
        )
        versions = await _versions(session, [r.id for r in runs])
    return tuple(RunView.of(r, slug, number, versions.get(r.id)) for r in runs)


async def get_run(session: AsyncSession, run_id: uuid.UUID, *, actor: Actor) -> RunView:
    """One run, by id (the web's progress poll)."""
    async with transaction(session, write=False):
        run = await session.scalar(
            select(AnalysisRun)
            .where(AnalysisRun.id == run_id)
            .options(selectinload(AnalysisRun.round).selectinload(Round.study))
            .execution_options(populate_existing=True)
        )
        if run is None or not actor.sees(run.round.study_id):
            raise NotFound(f"unknown analysis run {run_id}", code="unknown_run")
        study = run.round.study
        require(actor, study.id, Permission.RUN_ANALYSIS, study.slug)
        versions = await _versions(session, [run.id])
    return RunView.of(run, study.slug, run.round.number, versions.get(run.id))
