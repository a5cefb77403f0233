"""Editors answer panellists' flags (issue 10 §5): the study's flags with the amendments that
may answer each, and the answer itself, given once: *amended* (naming an amendment of that
statement made after the flagged version) or *kept* (with a written reason). Audited; the
study's editors and facilitators only (EDIT_SYNTHESIS).
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.amendments import AmendmentAction
from symphonia.core.text_rules import clip
from symphonia.db.audit import record_event
from symphonia.db.models import Amendment, FlagAnswer, StatementFlag, Study, SynthesisVersion
from symphonia.services.errors import Conflict, NotFound, Problem, RejectedInput
from symphonia.services.flags import FlagView, checked_text, flag_rows, flag_view
from symphonia.services.permissions import study_for
from symphonia.services.tx import transaction


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """An amendment that may answer a flag: made after the flagged version, on its statement."""

    version: int
    action: AmendmentAction
    reason: str


@dataclass(frozen=True, slots=True)
class EditorFlag:
    flag: FlagView
    options: tuple[AnswerOption, ...]


async def _answer_options(session: AsyncSession, row: StatementFlag) -> tuple[AnswerOption, ...]:
    amendments = await session.execute(
        select(Amendment, SynthesisVersion.number)
        .join(SynthesisVersion, SynthesisVersion.id == Amendment.version_id)
        .where(
            SynthesisVersion.round_id == row.round_id,
            SynthesisVersion.number > row.version.number,
        )
        .order_by(SynthesisVersion.number)
    )
    return tuple(
        AnswerOption(number, a.action, a.reason)
        for a, number in amendments.all()
        if _about(a, row.statement_key)
    )


def _about(amendment: Amendment, key: str) -> bool:
    """Whether the amendment changed statement `key` (also as the other side of a merge)."""
    change = amendment.change or {}
    return amendment.statement_key == key or change.get("other") == key


async def study_flags(session: AsyncSession, slug: str, *, actor: Actor) -> tuple[EditorFlag, ...]:
    """Every flag of the study, unanswered first, with the amendments that may answer each
    (EDIT_SYNTHESIS: the editors and facilitators)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.EDIT_SYNTHESIS)
        rows = await flag_rows(session, StatementFlag.study_id == study.id)
        out = [
            EditorFlag(flag_view(r, study.anonymity), await _answer_options(session, r))
            for r in rows
        ]
        out.sort(key=lambda e: (e.flag.answered, e.flag.raised_at))
        return tuple(out)


async def _flag_of(session: AsyncSession, study: Study, flag_id: str) -> StatementFlag:
    try:
        wanted = uuid.UUID(flag_id)
    except ValueError:
        wanted = None
    found = await flag_rows(session, StatementFlag.id == wanted) if wanted else []
    if not found or found[0].study_id != study.id:
        raise NotFound(
            f"study {study.slug!r} has no flag {clip(repr(flag_id))}",
            code="unknown_flag",
            context={"study": study.slug, "flag": flag_id},
        )
    return found[0]


async def answer_flag(
    session: AsyncSession,
    slug: str,
    flag_id: str,
    answer: FlagAnswer,
    reason: str,
    amendment_version: int | None = None,
    *,
    actor: Actor,
) -> FlagView:
    """Answer a flag once: `kept` needs a reason; `amended` names the version whose
    amendment changed the statement after the flagged version (the reason may add a note;
    the amendment's own reason stands otherwise). Editors of the study only."""
    async with transaction(session):
        study = await study_for(session, slug, actor, Permission.EDIT_SYNTHESIS, lock=True)
        row = await _flag_of(session, study, flag_id)
        if row.is_answered:
            raise Conflict(
                f"flag {row.id.hex[:8]} on statement {row.statement_key!r} was answered already",
                code="flag_answered",
                context={"study": slug, "flag": str(row.id)},
            )
        amendment = None
        if answer is FlagAnswer.KEPT:
            text = checked_text(reason, "reason", "answer")
        else:
            options = {o.version for o in await _answer_options(session, row)}
            if amendment_version not in options:
                where = ", ".join(f"version {v}" for v in sorted(options)) or "none yet"
                raise RejectedInput(
                    "the answer was not saved",
                    [
                        Problem(
                            "answer",
                            "amendment",
                            "choose an amendment of this statement made after the flagged "
                            f"version ({where}); amend the statement first",
                        )
                    ],
                )
            amendment = await session.scalar(
                select(Amendment)
                .join(SynthesisVersion, SynthesisVersion.id == Amendment.version_id)
                .where(
                    SynthesisVersion.round_id == row.round_id,
                    SynthesisVersion.number == amendment_version,
                )
            )
            assert amendment is not None
            text = checked_text(reason, "reason", "answer") if reason.strip() else amendment.reason
        row.answer = answer
        row.answer_reason = text
        row.amendment_id = amendment.id if amendment else None
        row.answered_by_id = actor.account_id
        row.answered_by = actor.label
        row.answered_at = datetime.datetime.now(datetime.UTC)
        record_event(
            session,
            actor,
            "flag.answered",
            "statement",
            f"{slug}/{row.statement_key}",
            study_id=study.id,
            detail={
                "flag": str(row.id),
                "answer": answer.value,
                "reason": text,
                "amendment_version": amendment_version if amendment else None,
            },
        )
        await session.flush()
        stored = (await flag_rows(session, StatementFlag.id == row.id))[0]
        return flag_view(stored, study.anonymity)
