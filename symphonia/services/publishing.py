"""Publishing a synthesis version: the act that makes one version the round's public record.

Every stored version is already frozen (`symphonia.db.immutability`); publishing adds the
`Publication` row (when, by whom), sets the version's `published_at` (once: a second
publication of the same version is refused), marks the round published and audits it. A
later version of the same round may be published too: a correction is a new version, and
the earlier publication stays on record. Nothing is published while a panellist's flag on
the round's statements (or on the same statement in another round) is unanswered.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.text_rules import clip
from symphonia.db.audit import record_event
from symphonia.db.enums import RoundStatus
from symphonia.db.models import Publication, Statement
from symphonia.services.errors import Conflict, NotFound
from symphonia.services.flags import unanswered_blocking
from symphonia.services.lookup import get_round, version_query
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    """What was published: the study, round and version, and when."""

    study: str
    round: int
    version: int
    published_at: datetime.datetime


async def publish_version(
    session: AsyncSession,
    slug: str,
    number: int,
    version_number: int | None = None,
    *,
    actor: Actor,
) -> PublishedVersion:
    """Publish version `version_number` of round `number` (default: its latest version);
    `actor` needs the study's PUBLISH permission (facilitators hold it)."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.PUBLISH, lock=True)
        rnd = await get_round(session, study, number)
        query = version_query(rnd, version_number)
        version = await session.scalar(query) if query is not None else None
        context = {"study": study.slug, "round": number}
        if version is None:
            which = f"version {clip(str(version_number))}" if version_number else "synthesis"
            raise NotFound(
                f"round {number} of {slug!r} has no {which} to publish",
                code="unknown_version" if version_number else "no_synthesis",
                context={**context, "version": version_number} if version_number else context,
            )
        if version.approved_at is None and not actor.unrestricted:
            # humans stay responsible for what is published: on the web, an editor approves
            # first (the local operator's `symphonia publish` publishes what it names)
            raise Conflict(
                f"version {version.number} of round {number} of {slug!r} is not approved; "
                "an editor approves a version before it is published",
                code="not_approved",
                context={**context, "version": version.number},
            )
        if version.published_at is not None:
            raise Conflict(
                f"version {version.number} of round {number} of {slug!r} was published on "
                f"{version.published_at:%Y-%m-%d %H:%M} UTC; a version is published once "
                "(publish a newer version to correct it)",
                code="already_published",
                context={**context, "version": version.number},
            )
        keys = await session.scalars(
            select(Statement.key).where(Statement.version_id == version.id)
        )
        blocking = await unanswered_blocking(session, study, rnd, list(keys))
        if blocking:
            # a panellist said a statement misrepresents them: the editors answer before
            # anything more goes out (issue 10 §5)
            raise Conflict(
                f"{len(blocking)} panellist flag(s) are unanswered; answer each (amend the "
                "statement, or keep it with a reason) before publishing: "
                + "; ".join(blocking[:10]),
                code="expert_flags_unanswered",
                context={**context, "version": version.number, "flags": blocking},
            )
        now = datetime.datetime.now(datetime.UTC)
        version.published_at = now
        session.add(
            Publication(
                version_id=version.id,
                published_at=now,
                published_by_id=actor.account_id,
                actor=actor.label,
            )
        )
        if rnd.status in (RoundStatus.CLOSED, RoundStatus.ANALYSED):
            rnd.status = RoundStatus.PUBLISHED
        record_event(
            session,
            actor,
            "version.published",
            "round",
            f"{slug}/{number}",
            study_id=study.id,
            detail={"version": version.number},
        )
    return PublishedVersion(slug, number, version.number, now)
