"""The editor's workspace: a round's latest synthesis version read beside its evidence.

Read models only (the changes are in :mod:`symphonia.services.editing`): each statement
with the fragments it cites (text, kind, confidence, pseudonym, group), the guard's verdict
and reasons, its revision (which the edit form carries back); the run's themes with their
statistics; the dissent ledger; the amendments that led here.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.amendments import AmendmentAction
from symphonia.core.synthesis import Section, Strength
from symphonia.db.models import Account, Amendment, SynthesisVersion
from symphonia.services.draft_evidence import FragmentView, ThemeView, load_evidence
from symphonia.services.editing import head_version, no_version
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction
from symphonia.services.views import StudyView


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class StatementView:
    key: str
    section: Section
    text: str
    theme_key: str | None
    strength: Strength
    origin: str
    revision: int
    ok: bool
    flags: tuple[Flag, ...]
    support: float | None
    accepted: str | None
    citations: tuple[FragmentView, ...]

    @property
    def unanswered(self) -> bool:
        return not self.ok and not self.accepted


@dataclass(frozen=True, slots=True)
class AmendmentView:
    version: int
    action: AmendmentAction
    statement_key: str | None
    reason: str
    diff: str
    editor: str
    created_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class WorkspaceView:
    study: StudyView
    round: int
    version: int
    origin: str
    parent: int | None
    approved_at: datetime.datetime | None
    published_at: datetime.datetime | None
    statements: tuple[StatementView, ...]
    themes: tuple[ThemeView, ...]
    ledger: tuple[Mapping[str, Any], ...]
    amendments: tuple[AmendmentView, ...]
    fragment_ids: tuple[str, ...]
    """Every fragment a statement of this version may cite."""
    may_edit: bool
    may_approve: bool
    may_publish: bool

    @property
    def unanswered(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.statements if s.unanswered)

    def statement(self, key: str) -> StatementView | None:
        return next((s for s in self.statements if s.key == key), None)


def _statement_view(row: Any, evidence: Any) -> StatementView:
    guard: Mapping[str, Any] = row.guard
    cited = tuple(
        v for c in row.citations if (v := evidence.view(c.fragment.external_id)) is not None
    )
    support = guard.get("support")
    return StatementView(
        key=row.key,
        section=row.section,
        text=row.text,
        theme_key=row.theme_key,
        strength=row.strength,
        origin=str(guard.get("origin_detail", row.origin.value)),
        revision=row.revision or 1,
        ok=bool(guard.get("ok", True)),
        flags=tuple(
            Flag(str(f.get("code", "")), str(f.get("message", ""))) for f in guard.get("flags", ())
        ),
        support=float(support) if isinstance(support, int | float) else None,
        accepted=guard.get("accepted") if isinstance(guard.get("accepted"), str) else None,
        citations=cited,
    )


async def _amendments(session: AsyncSession, round_id: Any) -> tuple[AmendmentView, ...]:
    rows = (
        await session.execute(
            select(Amendment, SynthesisVersion.number, Account.display_name)
            .join(SynthesisVersion, SynthesisVersion.id == Amendment.version_id)
            .outerjoin(Account, Account.id == Amendment.editor_id)
            .where(SynthesisVersion.round_id == round_id)
            .order_by(SynthesisVersion.number.desc())
        )
    ).all()
    return tuple(
        AmendmentView(
            number,
            a.action,
            a.statement_key,
            a.reason,
            a.diff or "",
            name or "operator",
            a.created_at,
        )
        for a, number, name in rows
    )


async def workspace(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> WorkspaceView:
    """Round `number`'s latest version as an editor works on it (VIEW_DRAFTS)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.VIEW_DRAFTS)
        rnd = await get_round(session, study, number)
        head = await head_version(session, rnd)
        if head is None:
            raise no_version(study, number)
        evidence = await load_evidence(session, head.run_id)
        parent = (
            await session.scalar(
                select(SynthesisVersion.number).where(SynthesisVersion.id == head.parent_id)
            )
            if head.parent_id
            else None
        )
        return WorkspaceView(
            study=StudyView.of(study),
            round=number,
            version=head.number,
            origin=head.origin.value,
            parent=parent,
            approved_at=head.approved_at,
            published_at=head.published_at,
            statements=tuple(_statement_view(s, evidence) for s in head.statements),
            themes=evidence.theme_views,
            ledger=tuple(MappingProxyType(dict(e)) for e in head.ledger),
            amendments=await _amendments(session, rnd.id),
            fragment_ids=tuple(evidence.fragments),
            may_edit=actor.can(study.id, Permission.EDIT_SYNTHESIS),
            may_approve=actor.can(study.id, Permission.APPROVE_SYNTHESIS),
            may_publish=actor.can(study.id, Permission.PUBLISH),
        )
