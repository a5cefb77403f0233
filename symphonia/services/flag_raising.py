"""A panellist raises a flag (issue 10 §5): on a statement of a version they may read that
cites their own fragments, at most one open flag each, audited; the study's editors (or,
with none yet, its facilitators) are the mail's recipients.

Kept apart from the panellist's view (which only reads) and the editors' answers
(`flag_answers`): this is the one write a panellist makes here, with its refusals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.text_rules import clip
from symphonia.db.audit import record_event
from symphonia.db.models import (
    Account,
    Citation,
    Fragment,
    Statement,
    StatementFlag,
    Study,
    StudyMembership,
)
from symphonia.db.models.accounts import MembershipRole
from symphonia.services.errors import Conflict, NotFound, PermissionDenied
from symphonia.services.flags import FlagView, checked_text, flag_rows, flag_view, panellist
from symphonia.services.lookup import get_round, version_query
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class RaisedFlag:
    """A stored flag and where the editors' mail goes (sent after the commit)."""

    flag: FlagView
    study_title: str
    study_slug: str
    recipients: tuple[str, ...]


async def _editor_addresses(session: AsyncSession, study: Study) -> tuple[str, ...]:
    rows = await session.execute(
        select(Account.email, StudyMembership.role)
        .join(StudyMembership, StudyMembership.account_id == Account.id)
        .where(StudyMembership.study_id == study.id, Account.is_active.is_(True))
        .order_by(Account.email)
    )
    by_role: dict[MembershipRole, list[str]] = {}
    for email, role in rows.all():
        by_role.setdefault(role, []).append(email)
    # the editors answer flags; with none yet, the facilitators must hear of it
    return tuple(
        by_role.get(MembershipRole.EDITOR) or by_role.get(MembershipRole.FACILITATOR) or ()
    )


async def raise_flag(
    session: AsyncSession,
    slug: str,
    number: int,
    version_number: int,
    key: str,
    comment: str,
    *,
    actor: Actor,
) -> RaisedFlag:
    """Flag statement `key` of version `version_number` of round `number` as misrepresenting
    the panellist. Refused: a version they may not read (NotFound, as if absent), a statement
    citing none of their fragments (PermissionDenied), an open flag of theirs on it already
    (Conflict ``already_flagged``), a missing or oversized comment (RejectedInput)."""
    comment = checked_text(comment, "comment", "flag")
    async with transaction(session):
        study, person = await panellist(session, slug, actor)
        rnd = await get_round(session, study, number)
        query = version_query(rnd, version_number)
        version = await session.scalar(query) if query is not None else None
        readable = version is not None and (
            version.is_published or actor.can(study.id, Permission.VIEW_DRAFTS)
        )
        statement = (
            await session.scalar(
                select(Statement).where(Statement.version_id == version.id, Statement.key == key)
            )
            if version is not None and readable
            else None
        )
        if version is None or statement is None:
            raise NotFound(
                f"round {number} of {slug!r} has no published version {clip(str(version_number))} "
                f"with a statement {clip(repr(key))}",
                code="unknown_statement",
                context={"study": slug, "round": number, "statement": key},
            )
        own = await session.scalar(
            select(Citation.id)
            .join(Fragment, Fragment.id == Citation.fragment_id)
            .where(Citation.statement_id == statement.id, Fragment.author_id == person.id)
            .limit(1)
        )
        if own is None:
            raise PermissionDenied(
                f"statement {key!r} cites none of your contributions: you can flag only "
                "statements that cite what you wrote",
                code="not_cited",
                context={"study": slug, "round": number, "statement": key},
            )
        open_flag = await session.scalar(
            select(StatementFlag.id).where(
                StatementFlag.participant_id == person.id,
                StatementFlag.round_id == rnd.id,
                StatementFlag.statement_key == key,
                StatementFlag.answered_at.is_(None),
            )
        )
        if open_flag is not None:
            raise Conflict(
                f"you flagged statement {key!r} already and the editors have not answered yet",
                code="already_flagged",
                context={"study": slug, "round": number, "statement": key},
            )
        row = StatementFlag(
            study_id=study.id,
            round_id=rnd.id,
            version_id=version.id,
            statement_id=statement.id,
            statement_key=key,
            participant_id=person.id,
            comment=comment,
        )
        session.add(row)
        await session.flush()
        record_event(
            session,
            actor,
            "flag.raised",
            "statement",
            f"{slug}/{number}/{version.number}/{key}",
            study_id=study.id,
            detail={"flag": str(row.id), "version": version.number, "statement": key},
        )
        stored = (await flag_rows(session, StatementFlag.id == row.id))[0]
        return RaisedFlag(
            flag_view(stored, None),  # the panellist's own view: it names nobody
            study.title,
            study.slug,
            await _editor_addresses(session, study),
        )
