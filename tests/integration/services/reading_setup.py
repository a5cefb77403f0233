"""The editing tests' analysed round, published, with two of its authors signed in as the
experts they are: where the flag and reader service tests start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.amendments import AmendmentAction, Change
from symphonia.db.models import Participant
from symphonia.services.editing import amend
from symphonia.services.principals import actor_for_participant
from symphonia.services.publishing import publish_version
from symphonia.services.workspace import workspace
from tests.integration.services.editing_setup import (
    EMBEDDER,
    OPERATOR,
    SLUG,
    Maker,
    People,
    analysed_round,
)


@dataclass
class Published:
    people: People
    e01: Actor
    """Wrote fragment f0."""
    e02: Actor
    """Wrote fragment f1."""


async def published_round(maker: Maker, study_dir: Path) -> Published:
    people = await analysed_round(maker, study_dir)
    async with maker() as s:
        await publish_version(s, SLUG, 1, 1, actor=OPERATOR)
    experts = {}
    async with maker() as s:
        for pseudonym in ("E01", "E02"):
            row = await s.scalar(select(Participant).where(Participant.pseudonym == pseudonym))
            assert row is not None
            experts[pseudonym] = await actor_for_participant(s, row.id)
    return Published(people, experts["E01"], experts["E02"])


async def amended(
    maker: Callable[[], AsyncSession],
    slug: str,
    change: Change,
    reason: str,
    actor: Actor,
) -> tuple[int, int]:
    """Apply `change` to round 1's latest version; when the guard flags what it wrote, an
    editor keeps it (accept_flag). (The change's version, the latest version.)"""
    async with maker() as s:
        ws = await workspace(s, slug, 1, actor=actor)
    keys = [change.key, *([change.other] if change.other else [])]
    revisions = {k: st.revision for k in keys if (st := ws.statement(k)) is not None}
    async with maker() as s:
        done = await amend(s, slug, 1, change, reason, revisions, actor=actor, embedder=EMBEDDER)
    if not done.flagged:
        return done.version, done.version
    async with maker() as s:
        kept = await amend(
            s,
            slug,
            1,
            Change(AmendmentAction.ACCEPT_FLAG, change.key),
            "the editors keep these words",
            {change.key: done.revisions[change.key]},
            actor=actor,
            embedder=EMBEDDER,
        )
    return done.version, kept.version
