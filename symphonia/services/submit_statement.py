"""A usual submission on PostgreSQL as one statement: a transaction of its own, one round trip.

A submission checks that the panellist may contribute to the round, share-locks the round (so
that closing it waits for the submission, and the submission sees a close that committed
first), inserts the fragment, deletes the draft it was written in, and records the audit
event. Sent as three or four statements between BEGIN and COMMIT, five or six round
trips, each paying SQLAlchemy's and asyncpg's cost per statement in the web process, and
PostgreSQL's: under load (two web processes and PostgreSQL on two cores) the transactions
queued for CPU, and the tail of the latency with them (`benchmarks/web_load.py`, p95 390 ms
at 330/s). As one statement, `benchmarks/submit_cpu.py` measured 2.73 -> 2.24 ms of
web-process CPU and 0.71 -> 0.55 ms of PostgreSQL's per API submission.

Here the same steps are one statement with data-modifying CTEs, run in autocommit, which
PostgreSQL runs as a transaction of its own: the row lock of ``here`` (FOR SHARE of the
round) is held until the statement commits, as it was until COMMIT; the inserts depend on
what ``here`` found (a round that is not an open contribute round gets nothing), and an
error anywhere (a reused idempotency key hits the unique index) rolls the whole statement
back. The statement is built once and compiled once (its values are bound parameters).

Only the usual case comes here: the actor is a panellist allowed to contribute in exactly
one study, and the draft names no author or group (checking those needs the panellist's
row first). Anything else, and anything ``here`` does not find, goes the usual way
(`symphonia.services.contributions`), which words each refusal. SQLite has no
data-modifying CTEs; it runs the same steps in one trip to its thread instead
(`symphonia.services.tx.write_at_once`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import RejectedInput
from symphonia.db.enums import RoundKind, RoundStatus
from symphonia.db.ids import uuid7
from symphonia.db.models import AuditEvent, Fragment, FragmentDraft, Participant, Round, Study
from symphonia.db.models.base import utcnow
from symphonia.services.contributing import Author, Contributing, RoundRef
from symphonia.services.fragment_rows import fragment_view, random_suffix
from symphonia.services.submission_rules import (
    CheckedFragment,
    FragmentDraftInput,
    FragmentView,
    checked,
)
from symphonia.services.tx import alone

SUBMITTED = "fragment.submitted"
"""The audit action of a submission (the usual way records the same)."""

_FRAGMENT = cast(sa.Table, Fragment.__table__)
_EVENT = cast(sa.Table, AuditEvent.__table__)


def _statement() -> sa.Select[Any]:
    here = (
        sa.select(
            Study.id.label("study_id"),
            Round.id.label("round_id"),
            Round.kind.label("round_kind"),
            Round.status.label("round_status"),
            Participant.id.label("author_id"),
            Participant.pseudonym,
            Participant.group_id,
        )
        .join(Round, (Round.study_id == Study.id) & (Round.number == sa.bindparam("number")))
        .join(
            Participant,
            (Participant.study_id == Study.id) & (Participant.id == sa.bindparam("participant")),
        )
        .where(Study.slug == sa.bindparam("slug"), Study.id == sa.bindparam("study"))
        .with_for_update(read=True, of=Round)
        .cte("here")
    )
    open_round = (here.c.round_kind == RoundKind.CONTRIBUTE) & (
        here.c.round_status == RoundStatus.OPEN
    )
    c = _FRAGMENT.c
    stored = (
        sa.insert(_FRAGMENT)
        .from_select(
            [
                c.id,
                c.round_id,
                c.external_id,
                c.author_id,
                c.kind,
                c.text,
                c.confidence,
                c.sources,
                c.question,
                c.idempotency_key,
                c.created_at,
            ],
            sa.select(
                sa.bindparam("id", type_=c.id.type),
                here.c.round_id,
                sa.cast(
                    here.c.pseudonym + "-" + sa.bindparam("suffix", type_=sa.String),
                    c.external_id.type,
                ),
                here.c.author_id,
                sa.bindparam("kind", type_=c.kind.type),
                sa.bindparam("text", type_=c.text.type),
                sa.bindparam("confidence", type_=c.confidence.type),
                sa.bindparam("sources", type_=c.sources.type),
                sa.bindparam("question", type_=c.question.type),
                sa.bindparam("idempotency_key", type_=c.idempotency_key.type),
                sa.bindparam("created_at", type_=c.created_at.type),
            ).where(open_round),
        )
        .returning(c.external_id, c.round_id, c.author_id)
        .cte("stored")
    )
    e = _EVENT.c
    audited = sa.insert(_EVENT).from_select(
        [
            e.id,
            e.at,
            e.study_id,
            e.actor,
            e.actor_kind,
            e.actor_id,
            e.action,
            e.subject_type,
            e.subject_id,
            e.detail,
        ],
        sa.select(
            sa.bindparam("event_id", type_=e.id.type),
            sa.bindparam("created_at", type_=e.at.type),
            here.c.study_id,
            sa.bindparam("actor", type_=e.actor.type),
            sa.bindparam("actor_kind", type_=e.actor_kind.type),
            sa.bindparam("actor_id", type_=e.actor_id.type),
            sa.literal(SUBMITTED, e.action.type),
            sa.literal("round", e.subject_type.type),
            sa.bindparam("where", type_=e.subject_id.type),
            sa.func.jsonb_build_object(
                sa.literal("fragment", sa.Text),
                stored.c.external_id,
                sa.literal("kind", sa.Text),
                sa.bindparam("kind_value", type_=sa.Text),
            ),
        ).select_from(here.join(stored, sa.true())),
    )
    dropped = sa.delete(FragmentDraft).where(
        FragmentDraft.participant_id.in_(sa.select(stored.c.author_id)),
        FragmentDraft.round_id.in_(sa.select(stored.c.round_id)),
        FragmentDraft.draft_key == sa.bindparam("draft_key", type_=sa.String),
    )
    return (
        sa.select(here, stored.c.external_id)
        .select_from(here.outerjoin(stored, sa.true()))
        .add_cte(audited.cte("audited"), dropped.cte("dropped"))
    )


_SUBMIT = _statement()


@dataclass(frozen=True, slots=True)
class Stored:
    """What the statement found and did: where the panellist contributes, and the fragment
    stored, or None when the round takes no fragments now (nothing was written)."""

    ctx: Contributing
    fragment: FragmentView | None


def only_study(actor: Actor) -> uuid.UUID | None:
    """The one study the actor may contribute to, or None (then the usual way decides)."""
    if actor.participant_id is None or actor.unrestricted:
        return None
    studies = [s for s in actor.roles if actor.can(s, Permission.CONTRIBUTE)]
    return studies[0] if len(studies) == 1 else None


async def submit_alone(
    connection: AsyncConnection,
    slug: str,
    number: int,
    study_id: uuid.UUID,
    values: CheckedFragment,
    *,
    idempotency_key: str | None,
    draft_key: str | None,
    actor: Actor,
) -> Stored | None:
    """Run the submission as one statement on `connection` (PostgreSQL, in autocommit:
    see :func:`symphonia.services.tx.alone`); None when the study, the round or the
    panellist was not found (nothing was written). A reused idempotency key raises
    IntegrityError, with nothing written."""
    row_id, created_at, suffix = uuid7(), utcnow(), random_suffix()
    params = {
        "number": number,
        "participant": actor.participant_id,
        "slug": slug,
        "study": study_id,
        "id": row_id,
        "suffix": suffix,
        "kind": values.kind,
        "kind_value": values.kind.value,
        "text": values.text,
        "confidence": values.confidence,
        "sources": list(values.sources),
        "question": values.question,
        "idempotency_key": idempotency_key,
        "created_at": created_at,
        "event_id": uuid7(),
        "actor": actor.label,
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "where": f"{slug}/{number}",
        "draft_key": draft_key,
    }
    found: Row[Any] | None = (await connection.execute(_SUBMIT, params)).one_or_none()
    if found is None:
        return None
    author = Author(found.author_id, found.pseudonym, found.group_id)
    ctx = Contributing(
        found.study_id, RoundRef(found.round_id, found.round_kind, found.round_status), author
    )
    if found.external_id is None:
        return Stored(ctx, None)
    return Stored(ctx, fragment_view(found.external_id, author, values, created_at))


async def submit_in_one_statement(
    session: AsyncSession,
    slug: str,
    number: int,
    draft: FragmentDraftInput,
    *,
    idempotency_key: str | None,
    draft_key: str | None,
    actor: Actor,
) -> Stored | None:
    """The usual case, as one statement in a transaction of its own (:func:`submit_alone`
    through :func:`symphonia.services.tx.alone`). None, with nothing written, when the usual
    way must decide: on SQLite; for a draft that names an author or a group, or has a
    problem (the usual way words it, after the round's checks, as always); for an actor who
    may contribute in no study or in several; or when the study, the round or the panellist
    is not found."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if draft.author is not None or draft.group is not None:
        return None
    study_id = only_study(actor)
    if study_id is None:
        return None
    try:
        values = checked(draft, idempotency_key)
    except RejectedInput:
        return None
    async with alone(session) as connection:
        return await submit_alone(
            connection,
            slug,
            number,
            study_id,
            values,
            idempotency_key=idempotency_key,
            draft_key=draft_key,
            actor=actor,
        )
