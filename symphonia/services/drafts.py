"""An expert's unsubmitted fragments, autosaved while they type (htmx), kept across closed
browsers, and deleted when submitted.

Drafts are the one mutable thing an expert writes, and private to them: they are not
evidence, so saving one is not an audit event (the submission is).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor
from symphonia.core.errors import Problem, RejectedInput
from symphonia.db.models import FragmentDraft
from symphonia.services.contributions import drop_draft, panellist_in_open_round
from symphonia.services.tx import transaction

DRAFT_FIELDS = ("kind", "text", "confidence", "sources", "question")
MAX_DRAFT_CHARS = 20_000
MAX_DRAFTS = 50


@dataclass(frozen=True, slots=True)
class DraftView:
    key: str
    content: Mapping[str, Any]
    updated_at: datetime.datetime


def _checked(key: str, content: Mapping[str, Any]) -> dict[str, Any]:
    problems = []
    if not key.strip() or len(key) > 64:
        problems.append(Problem("draft", "draft_key", "must be 1 to 64 characters"))
    unknown = sorted(set(content) - set(DRAFT_FIELDS))
    if unknown:
        problems.append(Problem("draft", ", ".join(unknown), "not a field of a fragment"))
    kept = {k: content[k] for k in DRAFT_FIELDS if k in content}
    if len(json.dumps(kept, ensure_ascii=False)) > MAX_DRAFT_CHARS:
        problems.append(Problem("draft", "", f"is longer than {MAX_DRAFT_CHARS} characters"))
    if problems:
        raise RejectedInput("the draft was not saved", problems)
    return kept


async def save_draft(
    session: AsyncSession,
    slug: str,
    number: int,
    key: str,
    content: Mapping[str, Any],
    *,
    actor: Actor,
) -> DraftView:
    """Save (or replace) the panellist's draft `key` in the open round."""
    kept = _checked(key, content)
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        draft = await session.scalar(
            select(FragmentDraft).where(
                FragmentDraft.participant_id == ctx.author.id,
                FragmentDraft.round_id == ctx.round.id,
                FragmentDraft.draft_key == key,
            )
        )
        if draft is None:
            count = len(await _drafts(session, ctx.author.id, ctx.round.id))
            if count >= MAX_DRAFTS:
                reason = f"you have {count} drafts in this round; submit or discard some"
                raise RejectedInput("the draft was not saved", [Problem("draft", "", reason)])
            draft = FragmentDraft(
                participant_id=ctx.author.id, round_id=ctx.round.id, draft_key=key
            )
            session.add(draft)
        draft.content = kept
        await session.flush()
        return DraftView(key, MappingProxyType(dict(kept)), draft.updated_at)


async def _drafts(
    session: AsyncSession, participant_id: uuid.UUID, round_id: uuid.UUID
) -> list[FragmentDraft]:
    return list(
        await session.scalars(
            select(FragmentDraft)
            .where(
                FragmentDraft.participant_id == participant_id, FragmentDraft.round_id == round_id
            )
            .order_by(FragmentDraft.created_at)
        )
    )


async def my_drafts(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> tuple[DraftView, ...]:
    """The panellist's drafts in the open round, oldest first."""
    async with transaction(session, write=False):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        rows = await _drafts(session, ctx.author.id, ctx.round.id)
        return tuple(
            DraftView(r.draft_key, MappingProxyType(dict(r.content)), r.updated_at) for r in rows
        )


async def discard_draft(
    session: AsyncSession, slug: str, number: int, key: str, *, actor: Actor
) -> None:
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        await drop_draft(session, ctx.author.id, ctx.round.id, key)
