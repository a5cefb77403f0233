"""Panellists flag statements that misrepresent them; editors answer every flag.

Issue 10 §5. An expert reads the statements that cite their own fragments (of published
versions; of drafts too only if their role may read drafts, which an expert's does not)
and may flag one, with a comment. The flag reaches the study's editors (their workspace,
and a mail), and must be answered before the study publishes again: by an amendment of
that statement (the answer names it) or by keeping the statement, with a written reason.
The panellist then reads the answer beside their flag.

Who sees what: a panellist sees only their own flags; editors (EDIT_SYNTHESIS) see and
answer the study's flags. Raising and answering are audited.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor, Permission
from symphonia.core.synthesis import Section
from symphonia.core.text_rules import clip, unusable_character
from symphonia.db.audit import record_event
from symphonia.db.enums import Anonymity
from symphonia.db.models import (
    Account,
    Amendment,
    Citation,
    FlagAnswer,
    Fragment,
    Participant,
    Round,
    Statement,
    StatementFlag,
    Study,
    StudyMembership,
    SynthesisVersion,
)
from symphonia.db.models.accounts import MembershipRole
from symphonia.services.errors import Conflict, NotFound, PermissionDenied, Problem, RejectedInput
from symphonia.services.lookup import get_round, version_query
from symphonia.services.permissions import study_for
from symphonia.services.reporting.content import author_label
from symphonia.services.tx import transaction

log = logging.getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class RaisedFlag:
    """A stored flag and where the editors' mail goes (sent after the commit)."""

    flag: FlagView
    study_title: str
    study_slug: str
    recipients: tuple[str, ...]


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


async def _panellist(session: AsyncSession, slug: str, actor: Actor) -> tuple[Study, Participant]:
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
        study, person = await _panellist(session, slug, actor)
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
        study, person = await _panellist(session, slug, actor)
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
    "CitedStatement",
    "FlagView",
    "MyStatements",
    "RaisedFlag",
    "flag_rows",
    "flag_view",
    "my_statements",
    "raise_flag",
    "unanswered_blocking",
]
