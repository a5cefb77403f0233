"""A study whose round 1 is analysed, and someone in every role, for the editing tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor, StudyRole
from symphonia.core.fragments import Fragment, FragmentKind
from symphonia.services.accounts import create_account, grant_role
from symphonia.services.analysis import analyse_round
from symphonia.services.principals import actor_for_account
from symphonia.services.rounds import close_round, open_round
from symphonia.services.studies import load_study
from symphonia.services.submissions import import_fragments
from symphonia.studyfiles import load_study as read_study_file
from tests.unit.pipeline.conftest import CountingEmbedder

SLUG = "connected-icb"
OPERATOR = Actor.operator("cli")
Maker = async_sessionmaker[AsyncSession]
TEXTS = (
    "Ringfence the budget for five years.",
    "Ringfenced budgets for five years would help.",
    "Consent rules differ between trusts.",
    "Trusts apply consent rules differently.",
    "Shared care records save clinicians time.",
    "A single care record would spare nurses repeated questions.",
)
EMBEDDER = CountingEmbedder()
"""Deterministic (vectors from text hashes): a statement in a fragment's own words is
supported by it, a reworded one is not (the guard then flags it `unsupported`)."""


@dataclass
class People:
    editor: Actor
    editor2: Actor
    facilitator: Actor
    reader: Actor
    outsider: Actor


async def analysed_round(maker: Maker, study_dir: Path) -> People:
    """Round 1 of the demo study with six fragments, closed and analysed once."""
    async with maker() as s:
        await load_study(s, read_study_file(study_dir), actor=OPERATOR)
        await open_round(s, SLUG, 1, actor=OPERATOR)
        fragments = [
            Fragment(f"f{i}", f"E0{i + 1}", FragmentKind.CLAIM, t) for i, t in enumerate(TEXTS)
        ]
        await import_fragments(s, SLUG, 1, fragments, actor=OPERATOR)
        await close_round(s, SLUG, 1, actor=OPERATOR)
    async with maker() as s:
        await analyse_round(s, SLUG, 1, EMBEDDER, None, actor=OPERATOR)
    actors = {}
    async with maker() as s:
        for name, role in (
            ("editor", StudyRole.EDITOR),
            ("editor2", StudyRole.EDITOR),
            ("facilitator", StudyRole.FACILITATOR),
            ("reader", StudyRole.READER),
            ("outsider", None),
        ):
            email = f"{name}@example.org"
            made = await create_account(s, email, actor=OPERATOR)
            if role is not None:
                await grant_role(s, email, SLUG, role, actor=OPERATOR)
            actors[name] = await actor_for_account(s, made.id)
    return People(**actors)
