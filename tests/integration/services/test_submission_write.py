"""A submission's write, on both backends: on PostgreSQL one statement with data-modifying
CTEs (`symphonia.services.submit_statement`), on SQLite one trip to its thread. Either way
the fragment, its audit event and the removal of its draft are written together or not at
all, a reused key stores nothing new, a round closing at the same moment lets nothing slip
in, and a request cancelled halfway can be retried with its key."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.db.models import AuditEvent, Fragment, FragmentDraft, Round
from symphonia.services.contributions import FragmentDraftInput, store_fragment
from symphonia.services.drafts import save_draft
from symphonia.services.errors import Conflict, RejectedInput
from symphonia.services.tx import transaction
from tests.integration.services.expert_actors import round_one_experts

SLUG = "connected-icb"
Maker = async_sessionmaker[AsyncSession]
CLAIM = FragmentDraftInput("claim", "Shared care records cut repeat tests.", 4, ["doi:10/x"])


@pytest.fixture
async def e01(sessionmaker: Maker, demo_study_dir: Path) -> Actor:
    """Round 1 open; E01 signed in as themselves."""
    return (await round_one_experts(sessionmaker, demo_study_dir, ("E01",)))["E01"]


async def _counts(maker: Maker) -> tuple[int, int]:
    """Fragments stored, and submission events recorded."""
    async with maker() as s:
        fragments = await s.scalar(select(func.count()).select_from(Fragment))
        events = await s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "fragment.submitted")
        )
    return int(fragments or 0), int(events or 0)


async def test_the_fragment_and_its_audit_event_are_stored_as_submitted(
    sessionmaker: Maker, engine: AsyncEngine, e01: Actor
) -> None:
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        async with sessionmaker() as s:
            done = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k1", actor=e01)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert done.created
    if engine.dialect.name == "postgresql":  # the whole write is one statement
        assert len(statements) == 1
        assert statements[0].lstrip().startswith("WITH here AS")
    async with sessionmaker() as s:
        row = await s.scalar(select(Fragment).where(Fragment.external_id == done.fragment.id))
        audit = (
            await s.scalars(select(AuditEvent).where(AuditEvent.action.like("fragment%")))
        ).all()
        study_id = await s.scalar(select(Round.study_id).where(Round.id == row.round_id))
    assert row is not None
    assert (row.kind.value, row.text, row.confidence, row.sources, row.question) == (
        "claim",
        CLAIM.text,
        4,
        ["doi:10/x"],
        None,
    )
    assert (row.idempotency_key, row.author_id, row.created_at) == (
        "k1",
        e01.participant_id,
        done.fragment.created_at,
    )
    assert done.fragment.id.startswith("E01-")
    assert len(done.fragment.id) == len("E01-") + 8
    assert [(a.action, a.subject_type, a.subject_id) for a in audit] == [
        ("fragment.submitted", "round", f"{SLUG}/1")
    ]
    assert audit[0].detail == {"fragment": done.fragment.id, "kind": "claim"}
    assert (audit[0].actor, audit[0].actor_kind, audit[0].actor_id) == (
        e01.label,
        e01.kind.value,
        e01.id,
    )
    assert audit[0].study_id == study_id
    assert audit[0].at >= row.created_at


async def test_a_reused_key_stores_nothing_new(sessionmaker: Maker, e01: Actor) -> None:
    async with sessionmaker() as s:
        first = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k1", actor=e01)
        again = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k1", actor=e01)
        other = FragmentDraftInput("claim", "Something else entirely.")
        with pytest.raises(Conflict, match="used for another fragment"):
            await store_fragment(s, SLUG, 1, other, idempotency_key="k1", actor=e01)
    assert (again.created, again.fragment.id) == (False, first.fragment.id)
    assert await _counts(sessionmaker) == (1, 1)


async def test_an_audit_event_that_cannot_be_written_leaves_no_fragment(
    sessionmaker: Maker, engine: AsyncEngine, e01: Actor
) -> None:
    """The last write of a submission refused by the database: the fragment and the draft's
    removal, written before it in the same statement or transaction, are undone."""
    async with sessionmaker() as s:
        await save_draft(s, SLUG, 1, "d1", {"kind": "claim", "text": "Half"}, actor=e01)
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text(
                    "CREATE FUNCTION refuse_submitted() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$BEGIN RAISE EXCEPTION 'refused by the test'; END$$"
                )
            )
            await connection.execute(
                text(
                    "CREATE TRIGGER refuse_submitted BEFORE INSERT ON audit_event FOR EACH ROW "
                    "WHEN (NEW.action = 'fragment.submitted') "
                    "EXECUTE FUNCTION refuse_submitted()"
                )
            )
        else:
            await connection.execute(
                text(
                    "CREATE TRIGGER refuse_submitted BEFORE INSERT ON audit_event "
                    "WHEN NEW.action = 'fragment.submitted' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
            )
    async with sessionmaker() as s:
        with pytest.raises(DBAPIError, match="refused by the test"):
            await store_fragment(s, SLUG, 1, CLAIM, draft_key="d1", actor=e01)
    assert await _counts(sessionmaker) == (0, 0)
    async with sessionmaker() as s:
        drafts = await s.scalar(select(func.count()).select_from(FragmentDraft))
    assert drafts == 1


async def test_a_closed_round_is_refused_with_nothing_written(
    sessionmaker: Maker, e01: Actor
) -> None:
    async with sessionmaker() as s, transaction(s):
        await s.execute(text("UPDATE round SET status = 'closed' WHERE number = 1"))
    async with sessionmaker() as s:
        with pytest.raises(Conflict, match="takes no contributions now"):
            await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k1", actor=e01)
    assert await _counts(sessionmaker) == (0, 0)


async def test_a_close_committed_while_a_submission_waits_refuses_it(
    sessionmaker: Maker, e01: Actor
) -> None:
    """The round locked by a close that has not committed yet: the submission waits for
    it (the round's share lock) and then sees the round closed. Without the lock it would
    read the round as open and store a fragment in a closed round."""
    async with sessionmaker() as closing, transaction(closing):
        await closing.execute(text("UPDATE round SET status = 'closed' WHERE number = 1"))
        submitting = asyncio.create_task(_submit(sessionmaker, e01, "k1"))
        await asyncio.sleep(0.2)  # let it reach the lock (the outcome is the same if not)
    with pytest.raises(Conflict, match="takes no contributions now"):
        await submitting
    assert await _counts(sessionmaker) == (0, 0)


async def _submit(maker: Maker, actor: Actor, key: str) -> str:
    async with maker() as s:
        done = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key=key, actor=actor)
    return done.fragment.id


@pytest.mark.parametrize("steps", [0, 1, 2, 3, 5, 8, 13])
async def test_a_request_cancelled_halfway_is_retried_with_its_key(
    sessionmaker: Maker, e01: Actor, steps: int
) -> None:
    """Cancelled after `steps` turns of the event loop (before, during or after its
    write): the retry stores it, or answers with what was stored; one fragment either way."""
    first = asyncio.create_task(_submit(sessionmaker, e01, "k1"))
    for _ in range(steps):
        await asyncio.sleep(0)
    first.cancel()
    try:
        stored_first: str | None = await first
    except asyncio.CancelledError:
        stored_first = None
    async with sessionmaker() as s:
        again = await store_fragment(s, SLUG, 1, CLAIM, idempotency_key="k1", actor=e01)
    if stored_first is not None:
        assert (again.created, again.fragment.id) == (False, stored_first)
    assert await _counts(sessionmaker) == (1, 1)


async def test_a_draft_with_problems_is_refused_as_before(sessionmaker: Maker, e01: Actor) -> None:
    """Not the usual case: the long way words every problem, and nothing is written."""
    bad = FragmentDraftInput("wish", "", 9, author="E02")
    async with sessionmaker() as s:
        with pytest.raises(RejectedInput) as refused:
            await store_fragment(s, SLUG, 1, bad, idempotency_key="k1", actor=e01)
    fields = sorted(p.field for p in refused.value.problems)
    assert fields == ["author", "confidence", "kind", "text"]
    assert await _counts(sessionmaker) == (0, 0)
