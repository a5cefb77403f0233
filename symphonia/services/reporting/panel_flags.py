"""The report's record of panellists' flags (issue 10 §5): every flag raised on this version
or a version it descends from, with the editors' answer, and how many still wait for one.

Who raised a flag is shown as the study's anonymity allows (as for fragments); who answered
it by the editor's display name, never their address. A flag answered after this version
was published is listed with its answer: the report tells what became of it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.db.models import Account, StatementFlag
from symphonia.services.reporting.content import author_label
from symphonia.services.reporting.model import AnsweredFlag, FlagsRecord
from symphonia.services.reporting.records import ReportRecords


async def recorded_flags(session: AsyncSession, records: ReportRecords) -> FlagsRecord:
    rows = list(
        await session.scalars(
            select(StatementFlag)
            .where(StatementFlag.version_id.in_([v.id for v in records.chain]))
            .options(selectinload(StatementFlag.participant))
            .order_by(StatementFlag.created_at, StatementFlag.id)
        )
    )
    names = {
        a.id: a.display_name
        for a in await session.scalars(
            select(Account).where(Account.id.in_({r.answered_by_id for r in rows} - {None}))
        )
    }
    anonymity = records.study.anonymity
    answered = tuple(
        AnsweredFlag(
            statement_key=r.statement_key,
            raised_by=author_label(r.participant, anonymity),
            raised_at=r.created_at,
            comment=r.comment,
            answer=r.answer.value,
            answer_reason=r.answer_reason or "",
            answered_by=names.get(r.answered_by_id, "an editor")
            if r.answered_by_id
            else "the operator",
            answered_at=r.answered_at,
        )
        for r in rows
        if r.answer is not None and r.answered_at is not None
    )
    return FlagsRecord(
        recorded=True, note="", flags=answered, unanswered=sum(1 for r in rows if r.answer is None)
    )
