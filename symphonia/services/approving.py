"""Approving a synthesis version: an editor says it may be published, as it stands.

Only the round's latest version can be approved (what the editor read, not something edited
since), and only when every statement the guard flagged was amended or its flag accepted
with a written justification. Approval sets `approved_at` once (the only change a stored
version allows besides publication); publishing then needs it (`services.publishing`).
"""

from __future__ import annotations

import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.db.audit import record_event
from symphonia.services.editing import head_version, no_version, unanswered
from symphonia.services.errors import Conflict
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction


async def approve_version(
    session: AsyncSession, slug: str, number: int, version_number: int, *, actor: Actor
) -> datetime.datetime:
    """Approve version `version_number` of round `number`: it must be the round's latest
    (approving what the editor read, not something edited since) and every flag answered."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.APPROVE_SYNTHESIS, lock=True)
        rnd = await get_round(session, study, number)
        head = await head_version(session, rnd)
        if head is None:
            raise no_version(study, number)
        context = {"study": slug, "round": number, "version": version_number}
        if head.number != version_number:
            raise Conflict(
                f"version {version_number} is not the latest of round {number} (version "
                f"{head.number} is): read it before approving",
                code="not_latest",
                context={**context, "latest": head.number},
            )
        if head.approved_at is not None:
            raise Conflict(
                f"version {head.number} is approved already",
                code="already_approved",
                context=context,
            )
        open_flags = [s.key for s in head.statements if unanswered(s.guard)]
        if open_flags:
            raise Conflict(
                f"{len(open_flags)} flagged statement(s) are unanswered: amend them, or accept "
                f"each flag with a justification ({', '.join(open_flags[:10])})",
                code="flags_unanswered",
                context={**context, "statements": open_flags},
            )
        now = datetime.datetime.now(datetime.UTC)
        head.approved_at = now
        head.approved_by_id = actor.account_id
        record_event(
            session,
            actor,
            "version.approved",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={"version": head.number},
        )
        return now
