"""Panellists flag statements that misrepresent them; editors answer every flag.

Issue 10 §5. An expert reads the statements that cite their own fragments (of published
versions; of drafts too only if their role may read drafts, which an expert's does not)
and may flag one, with a comment. The flag reaches the study's editors (their workspace,
and a mail), and must be answered before the study publishes again: by an amendment of
that statement (the answer names it) or by keeping the statement, with a written reason.
The panellist then reads the answer beside their flag.

Who sees what: a panellist sees only their own flags; editors (EDIT_SYNTHESIS) see and
answer the study's flags. Raising and answering are audited.

This module holds what every part shares: a flag as it is read (:class:`FlagView`), the
query that loads flags, the rule for comments and reasons, who counts as a panellist, and
the open flags that bar publishing. The parts are `flag_panel_view` (the statements a
panellist may flag), `flag_raising` (raising one), `flag_answers` (the editors' answers)
and `flag_mail` (telling the editors).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.text_rules import unusable_character
from symphonia.db.enums import Anonymity
from symphonia.db.models import (
    Amendment,
    FlagAnswer,
    Participant,
    Round,
    StatementFlag,
    Study,
    SynthesisVersion,
)
from symphonia.services.errors import PermissionDenied, Problem, RejectedInput
from symphonia.services.permissions import study_for
from symphonia.services.reporting.content import author_label

MAX_COMMENT_CHARS = 2000
"""A flag's comment and an answer's reason: enough to explain, small enough to read."""


@dataclass(frozen=True, slots=True)
class FlagView:
    """A flag as its panellist or the study's editors read it."""

    id: uuid.UUID
    round: int
    version: int
    statement_key: str
    statement_text: str
    comment: str
    raised_at: datetime.datetime
    raised_by: str | None
    """The panellist, as the study's anonymity allows (editors' view; None to the panel)."""
    answer: FlagAnswer | None
    answer_reason: str | None
    amendment_version: int | None
    """The version the answering amendment made (when amended)."""
    answered_by: str | None
    """The answering editor's display name."""
    answered_at: datetime.datetime | None

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def ref(self) -> str:
        """How an error message or a list names it: round, version, statement, short id."""
        return f"{self.statement_key} (round {self.round} v{self.version}, flag {self.id.hex[:8]})"


def checked_text(value: str, field: str, what: str) -> str:
    """`value` stripped, or RejectedInput naming `field` when empty, too long or unusable."""
    stripped = value.strip()
    reason = None
    if not stripped:
        reason = "is required"
    elif len(stripped) > MAX_COMMENT_CHARS:
        reason = f"is longer than {MAX_COMMENT_CHARS} characters"
    elif (unusable := unusable_character(stripped)) is not None:
        reason = unusable
    if reason is not None:
        raise RejectedInput(f"the {what} was not saved", [Problem(what, field, reason)])
    return stripped


def _flag_query() -> Select[StatementFlag]:
    # populate_existing: a flag answered in this transaction is read back with its answer
    return (
        select(StatementFlag)
        .execution_options(populate_existing=True)
        .options(
            selectinload(StatementFlag.version).selectinload(SynthesisVersion.round),
            selectinload(StatementFlag.statement),
            selectinload(StatementFlag.participant),
            selectinload(StatementFlag.amendment).selectinload(Amendment.version),
            selectinload(StatementFlag.answerer),
        )
    )


def _answerer(row: StatementFlag) -> str | None:
    """Who answered, by display name (never an address: the panellist reads it)."""
    if row.answered_at is None:
        return None
    return row.answerer.display_name if row.answerer else "the operator"


def flag_view(row: StatementFlag, anonymity: Anonymity | None) -> FlagView:
    """`anonymity` None: the panel's own view (no name of who raised it)."""
    return FlagView(
        id=row.id,
        round=row.version.round.number,
        version=row.version.number,
        statement_key=row.statement_key,
        statement_text=row.statement.text,
        comment=row.comment,
        raised_at=row.created_at,
        raised_by=author_label(row.participant, anonymity) if anonymity is not None else None,
        answer=row.answer,
        answer_reason=row.answer_reason,
        amendment_version=row.amendment.version.number if row.amendment else None,
        answered_by=_answerer(row),
        answered_at=row.answered_at,
    )


async def flag_rows(session: AsyncSession, *where: ColumnElement[bool]) -> list[StatementFlag]:
    query = _flag_query()
    return list(
        await session.scalars(
            query.where(*where).order_by(StatementFlag.created_at, StatementFlag.id)
        )
    )


async def panellist(session: AsyncSession, slug: str, actor: Actor) -> tuple[Study, Participant]:
    """The study and the actor's participant row on its panel; PermissionDenied for anyone
    else (a panellist's flags are their own)."""
    study = await study_for(session, slug, actor, Permission.VIEW_PUBLISHED)
    person = await session.get(Participant, actor.participant_id) if actor.participant_id else None
    if person is None or person.study_id != study.id:
        raise PermissionDenied(
            f"{actor.label} is not on the panel of study {slug!r}: only panellists see the "
            "statements citing their own contributions",
            code="not_a_panellist",
            context={"study": slug},
        )
    return study, person


async def unanswered_blocking(
    session: AsyncSession, study: Study, rnd: Round, keys: Sequence[str]
) -> list[str]:
    """Open flags that bar publishing a version of `rnd` holding statements `keys`: any
    open flag on that round's statements, or on a statement of the same lineage (key) in
    another round of the study. Named as :attr:`FlagView.ref` for the refusal."""
    rows = await flag_rows(
        session,
        StatementFlag.study_id == study.id,
        StatementFlag.answered_at.is_(None),
    )
    wanted = set(keys)
    return [
        flag_view(r, None).ref for r in rows if r.round_id == rnd.id or r.statement_key in wanted
    ]


__all__ = [
    "MAX_COMMENT_CHARS",
    "FlagView",
    "checked_text",
    "flag_rows",
    "flag_view",
    "panellist",
    "unanswered_blocking",
]
