"""The editing tests' analysed round, published, with two of its authors signed in as the
experts they are: where the flag and reader service tests start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from symphonia.core.actors import Actor
from symphonia.db.models import Participant
from symphonia.services.principals import actor_for_participant
from symphonia.services.publishing import publish_version
from tests.integration.services.editing_setup import (
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
