"""Append-only records refuse change through the ORM and through raw SQL, on both databases."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from symphonia.core.actors import Actor
from symphonia.core.fragments import FragmentKind
from symphonia.core.synthesis import Section
from symphonia.db.audit import record_event
from symphonia.db.enums import AmendmentAction, Origin
from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models import (
    Amendment,
    AuditEvent,
    Citation,
    Fragment,
    Publication,
    Statement,
    SynthesisVersion,
)

if TYPE_CHECKING:  # the fixture's type; conftest modules are not importable at run time
    from conftest import Seed


async def _publish(sessionmaker: async_sessionmaker[AsyncSession], seed: Seed) -> None:
    async with sessionmaker() as s:
        version = await s.get_one(SynthesisVersion, seed.version.id)
        version.published_at = dt.datetime.now(dt.UTC)
        s.add(Publication(version_id=version.id, published_at=version.published_at, actor="ED1"))
        await s.commit()


# --- fragments ---------------------------------------------------------------------------


async def test_fragment_update_refused_by_orm(seed: Seed, session: AsyncSession) -> None:
    fragment = await session.get_one(Fragment, seed.fragments[0].id)
    fragment.text = "rewritten"
    with pytest.raises(ImmutableRecordError, match="UPDATE on fragment"):
        await session.flush()


async def test_fragment_delete_refused_by_orm(seed: Seed, session: AsyncSession) -> None:
    fragment = await session.get_one(Fragment, seed.fragments[0].id)
    await session.delete(fragment)
    with pytest.raises(ImmutableRecordError, match="DELETE on fragment"):
        await session.flush()


@pytest.mark.parametrize("statement", ["update", "delete"])
async def test_fragment_bulk_statements_refused_by_orm(
    statement: str, seed: Seed, session: AsyncSession
) -> None:
    stmt = update(Fragment).values(text="x") if statement == "update" else delete(Fragment)
    with pytest.raises(ImmutableRecordError):
        await session.execute(stmt)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE fragment SET text = 'overwritten'",
        "UPDATE fragment SET confidence = 1",
        "DELETE FROM fragment",
    ],
)
async def test_fragment_raw_sql_refused_by_database(
    sql: str, seed: Seed, session: AsyncSession
) -> None:
    with pytest.raises(ImmutableRecordError, match="fragment") as caught:
        await session.execute(text(sql))
    assert isinstance(caught.value.database_error, DBAPIError), "the database refused it"


async def test_truncate_refused_on_postgresql(
    seed: Seed, session: AsyncSession, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(ImmutableRecordError):
        await session.execute(text("TRUNCATE fragment CASCADE"))


async def test_a_change_is_a_new_row(seed: Seed, session: AsyncSession) -> None:
    revised = Fragment(
        round_id=seed.round.id,
        external_id="f1-r2",
        author_id=seed.expert.id,
        kind=FragmentKind.CLAIM,
        text="Data sharing saves clinicians time.",
        supersedes_id=seed.fragments[0].id,
    )
    session.add(revised)
    await session.commit()
    original = await session.get_one(Fragment, seed.fragments[0].id)
    assert original.text == "Data sharing saves time."


async def test_unrelated_flush_does_not_trip_the_guard(seed: Seed, session: AsyncSession) -> None:
    """Loading fragments and changing other rows must keep working."""
    fragment = await session.get_one(Fragment, seed.fragments[0].id)
    round_ = await session.get_one(type(seed.round), seed.round.id)
    round_.closes_at = dt.datetime.now(dt.UTC)
    assert fragment.text
    await session.commit()


# --- synthesis versions ------------------------------------------------------------------


async def test_publishing_is_allowed_once(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _publish(sessionmaker, seed)
    async with sessionmaker() as s:
        version = await s.get_one(SynthesisVersion, seed.version.id)
        assert version.is_published
        version.published_at = dt.datetime.now(dt.UTC)
        with pytest.raises(ImmutableRecordError, match="UPDATE on synthesis_version"):
            await s.flush()


@pytest.mark.parametrize("published", [False, True], ids=["draft", "published"])
async def test_stored_content_refused_by_orm(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession], published: bool
) -> None:
    """Published or not: a draft is no licence to edit a stored version (issue 8)."""
    if published:
        await _publish(sessionmaker, seed)

    async with sessionmaker() as s:
        statement = await s.get_one(Statement, seed.statement.id)
        statement.text = "quietly changed"
        with pytest.raises(ImmutableRecordError, match="UPDATE on statement"):
            await s.flush()

    async with sessionmaker() as s:
        statement = await s.get_one(Statement, seed.statement.id)
        await s.delete(statement)
        with pytest.raises(ImmutableRecordError, match=r"DELETE on (statement|citation)"):
            await s.flush()

    async with sessionmaker() as s:
        s.add(Statement(version_id=seed.version.id, key="s2", section=Section.GAP, text="new"))
        with pytest.raises(ImmutableRecordError, match="INSERT on statement"):
            await s.flush()

    async with sessionmaker() as s:
        s.add(Citation(statement_id=seed.statement.id, fragment_id=seed.fragments[1].id))
        with pytest.raises(ImmutableRecordError, match="INSERT on citation"):
            await s.flush()

    async with sessionmaker() as s:
        version = await s.get_one(
            SynthesisVersion,
            seed.version.id,
            options=[selectinload(SynthesisVersion.statements)],
        )
        version.statements.clear()  # delete-orphan cascade, decided inside the flush
        with pytest.raises(ImmutableRecordError, match=r"statement|citation"):
            await s.flush()

    async with sessionmaker() as s:
        version = await s.get_one(SynthesisVersion, seed.version.id)
        version.ledger = [{"subject": "t1", "reason": "quietly dropped"}]
        with pytest.raises(ImmutableRecordError, match="ledger of a stored version never"):
            await s.flush()

    async with sessionmaker() as s:
        await s.delete(await s.get_one(SynthesisVersion, seed.version.id))
        with pytest.raises(ImmutableRecordError, match=r"DELETE on (synthesis_version|citation)"):
            await s.flush()


@pytest.mark.parametrize(
    "sql",
    [
        'UPDATE synthesis_version SET ledger = \'[{"subject": "t1"}]\'',
        "UPDATE synthesis_version SET published_at = NULL",
        "DELETE FROM synthesis_version",
        "UPDATE statement SET text = 'overwritten'",
        "DELETE FROM statement",
        "UPDATE citation SET position = 9",
        "DELETE FROM citation",
    ],
)
async def test_published_content_refused_by_database(
    sql: str, seed: Seed, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _publish(sessionmaker, seed)
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError) as caught:
            await s.execute(text(sql))
        assert isinstance(caught.value.database_error, DBAPIError)


async def test_raw_insert_into_published_version_refused_by_database(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession], db_backend: str
) -> None:
    await _publish(sessionmaker, seed)
    async with sessionmaker() as s:
        # Copy an existing statement row under a new key: only the version matters here.
        columns = "version_id, section, text, strength, origin, guard, position, created_at"
        new_id = "gen_random_uuid()" if db_backend == "postgresql" else "randomblob(16)"
        sql = (
            f"INSERT INTO statement (id, key, {columns}) "
            f"SELECT {new_id}, 'sneaked', {columns} FROM statement"
        )
        with pytest.raises(ImmutableRecordError, match="statement"):
            await s.execute(text(sql))


async def test_a_new_version_can_follow_a_published_one(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _publish(sessionmaker, seed)
    async with sessionmaker() as s:
        v2 = SynthesisVersion(
            round_id=seed.round.id, parent_id=seed.version.id, number=2, origin=Origin.EDITOR
        )
        after = Statement(version=v2, key="s1", section=Section.CONSENSUS, text="Clearer.")
        after.citations.append(Citation(fragment_id=seed.fragments[0].id))
        s.add(v2)
        await s.flush()
        s.add(
            Amendment(
                version_id=v2.id,
                action=AmendmentAction.EDIT,
                before_id=seed.statement.id,
                after_id=after.id,
                editor_id=seed.editor_account.id,
                reason="clarity",
            )
        )
        await s.commit()


# --- other append-only records -----------------------------------------------------------


async def test_audit_publication_and_amendment_rows_are_append_only(
    seed: Seed, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await _publish(sessionmaker, seed)
    async with sessionmaker() as s:
        record_event(
            s, Actor.operator(), "study.created", "study", seed.study.id, study_id=seed.study.id
        )
        await s.commit()
    for table in ("audit_event", "publication"):
        async with sessionmaker() as s:
            with pytest.raises(ImmutableRecordError, match=table):
                await s.execute(text(f"DELETE FROM {table}"))
        async with sessionmaker() as s:
            with pytest.raises(ImmutableRecordError, match=table):
                await s.execute(text(f"UPDATE {table} SET actor = 'someone else'"))
    async with sessionmaker() as s:
        event = (await s.execute(select(AuditEvent))).scalar_one()
        event.action = "study.deleted"
        with pytest.raises(ImmutableRecordError, match="audit_event"):
            await s.flush()
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError):
            await s.execute(update(Amendment).values(reason="x"))
