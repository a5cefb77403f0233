"""The panellist's view of flags (issue 10 §5): the statements of the versions they may read
that cite their own fragments, each with those fragments and their own flags on it.

Kept apart from raising and answering because it only reads: it is what the panellist's
page and the reader API list before anything is flagged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.synthesis import Section
from symphonia.db.models import (
    Citation,
    Fragment,
    Round,
    Statement,
    StatementFlag,
    Study,
    SynthesisVersion,
)
from symphonia.services.flags import FlagView, flag_rows, flag_view, panellist
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class CitedFragment:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class CitedStatement:
    """One statement of a version that cites the panellist's own fragments."""

    round: int
    version: int
    published: bool
    key: str
    section: Section
    text: str
    fragments: tuple[CitedFragment, ...]
    flags: tuple[FlagView, ...]

    @property
    def open_flag(self) -> FlagView | None:
        return next((f for f in self.flags if not f.answered), None)


@dataclass(frozen=True, slots=True)
class MyStatements:
    study_slug: str
    study_title: str
    pseudonym: str
    statements: tuple[CitedStatement, ...]


async def _visible_versions(
    session: AsyncSession, study: Study, actor: Actor
) -> list[SynthesisVersion]:
    """Published versions; every version too for those who may read drafts."""
    query = (
        select(SynthesisVersion)
        .join(Round, Round.id == SynthesisVersion.round_id)
        .where(Round.study_id == study.id)
        .options(selectinload(SynthesisVersion.round))
        .order_by(Round.number, SynthesisVersion.number)
    )
    if not actor.can(study.id, Permission.VIEW_DRAFTS):
        query = query.where(SynthesisVersion.published_at.is_not(None))
    return list(await session.scalars(query))


async def my_statements(session: AsyncSession, slug: str, *, actor: Actor) -> MyStatements:
    """Every statement of the visible versions citing the panellist's fragments, with the
    fragments it cites of theirs and their own flags on it (newest version first)."""
    async with transaction(session, write=False):
        study, person = await panellist(session, slug, actor)
        versions = {v.id: v for v in await _visible_versions(session, study, actor)}
        rows = (
            await session.execute(
                select(Statement, Fragment.external_id, Fragment.text)
                .join(Citation, Citation.statement_id == Statement.id)
                .join(Fragment, Fragment.id == Citation.fragment_id)
                .where(
                    Fragment.author_id == person.id,
                    Statement.version_id.in_(list(versions)),
                )
                .order_by(Statement.position, Citation.position)
            )
        ).all()
        mine = await flag_rows(session, StatementFlag.participant_id == person.id)
        flags_by: dict[tuple[uuid.UUID, str], list[FlagView]] = {}
        for f in mine:
            flags_by.setdefault((f.round_id, f.statement_key), []).append(flag_view(f, None))
        cited: dict[uuid.UUID, tuple[Statement, list[CitedFragment]]] = {}
        for statement, fid, text in rows:
            cited.setdefault(statement.id, (statement, []))[1].append(CitedFragment(fid, text))
        out = []
        for statement, fragments in cited.values():
            v = versions[statement.version_id]
            out.append(
                CitedStatement(
                    round=v.round.number,
                    version=v.number,
                    published=v.is_published,
                    key=statement.key,
                    section=statement.section,
                    text=statement.text,
                    fragments=tuple(fragments),
                    flags=tuple(flags_by.get((v.round_id, statement.key), ())),
                )
            )
        out.sort(key=lambda c: (-c.round, -c.version, c.key))
        return MyStatements(study.slug, study.title, person.pseudonym, tuple(out))
