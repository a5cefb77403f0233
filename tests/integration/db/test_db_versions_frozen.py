"""A stored synthesis version is never rewritten, published or not (migration 0004), and an
INSERT OR REPLACE cannot delete a frozen row on a raw SQLite connection. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from symphonia.core.actors import Actor
from symphonia.core.fragments import FragmentKind
from symphonia.core.synthesis import Section
from symphonia.db.audit import record_event
from symphonia.db.enums import Origin
from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models import (
    Citation,
    Fragment,
    FragmentWithdrawal,
    Statement,
    SynthesisVersion,
)

if TYPE_CHECKING:  # the fixture's type; conftest modules are not importable at run time
    from conftest import Seed

Maker = async_sessionmaker[AsyncSession]
NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


async def test_approval_and_publication_are_set_once_each(seed: Seed, sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        version = await s.get_one(SynthesisVersion, seed.version.id)
        version.approved_at = NOW
        version.approved_by_id = seed.editor_account.id
        await s.commit()
    async with sessionmaker() as s:
        version = await s.get_one(SynthesisVersion, seed.version.id)
        version.published_at = NOW  # a second flag, still from NULL: fine
        await s.commit()
    for column, value in (("approved_at", NOW + dt.timedelta(days=1)), ("published_at", None)):
        async with sessionmaker() as s:
            version = await s.get_one(SynthesisVersion, seed.version.id)
            setattr(version, column, value)
            with pytest.raises(ImmutableRecordError, match=f"{column} is set already"):
                await s.flush()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE synthesis_version SET number = 7",
        "UPDATE synthesis_version SET drafter = '{}'",
        "UPDATE synthesis_version SET statement_count = 9",
        "DELETE FROM synthesis_version",
        "UPDATE statement SET text = 'rewritten'",
        "UPDATE statement SET citation_count = 0",
        "DELETE FROM statement",
        "UPDATE citation SET position = 3",
        "DELETE FROM citation",
    ],
)
async def test_a_draft_version_refuses_raw_sql_too(
    sql: str, seed: Seed, sessionmaker: Maker
) -> None:
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError) as caught:
            await s.execute(text(sql))
        assert isinstance(caught.value.database_error, DBAPIError), "the database refused it"


async def test_raw_sql_may_set_approval_once(seed: Seed, sessionmaker: Maker) -> None:
    async with sessionmaker() as s:
        await s.execute(text("UPDATE synthesis_version SET published_at = :t"), {"t": NOW})
        await s.commit()
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError):
            await s.execute(text("UPDATE synthesis_version SET published_at = NULL"))


async def test_nothing_can_be_added_to_a_stored_version(
    seed: Seed, sessionmaker: Maker, db_backend: str
) -> None:
    new_id = "gen_random_uuid()" if db_backend == "postgresql" else "randomblob(16)"
    columns = (
        "version_id, section, text, strength, origin, guard, position, created_at, citation_count"
    )
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError, match="INSERT on statement"):
            await s.execute(
                text(
                    f"INSERT INTO statement (id, key, {columns}) "
                    f"SELECT {new_id}, 'sneaked', {columns} FROM statement"
                )
            )
    async with sessionmaker() as s:
        s.add(Citation(statement_id=seed.statement.id, fragment_id=seed.fragments[1].id))
        with pytest.raises(ImmutableRecordError, match="INSERT on citation"):
            await s.flush()


async def test_a_version_stored_in_pieces_holds_what_it_declared(
    seed: Seed, sessionmaker: Maker
) -> None:
    """A service may flush the version first and its statements after, in one transaction,
    if it declares the count up front; once the count is reached, the version is whole."""
    async with sessionmaker() as s:
        version = SynthesisVersion(
            round_id=seed.round.id, number=2, origin=Origin.EXTRACTIVE, statement_count=2
        )
        s.add(version)
        await s.flush()
        for key in ("a", "b"):
            s.add(
                Statement(
                    version_id=version.id, key=key, section=Section.GAP, text=key, citation_count=0
                )
            )
            await s.flush()
        await s.commit()
    async with sessionmaker() as s:
        s.add(Statement(version_id=version.id, key="c", section=Section.GAP, text="c"))
        with pytest.raises(ImmutableRecordError, match="INSERT on statement"):
            await s.flush()


# -- INSERT OR REPLACE on a raw connection -------------------------------------------------


def raw_sqlite(db_url: str) -> sqlite3.Connection:
    """A plain sqlite3 connection, as the sqlite3 shell opens one: no pragma of ours."""
    conn = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    assert conn.execute("PRAGMA recursive_triggers").fetchone() == (0,)
    return conn


REPLACES = {
    "fragment": "INSERT OR REPLACE INTO fragment SELECT * FROM fragment",
    "fragment-by-external-id": (
        "REPLACE INTO fragment (id, round_id, external_id, author_id, kind, text, confidence,"
        " sources, created_at) SELECT randomblob(16), round_id, external_id, author_id, kind,"
        " 'replaced', confidence, sources, created_at FROM fragment"
    ),
    "fragment-by-rowid": (
        "INSERT OR REPLACE INTO fragment (rowid, id, round_id, external_id, author_id, kind,"
        " text, confidence, sources, created_at) SELECT rowid, randomblob(16), round_id,"
        " 'other-' || external_id, author_id, kind, 'replaced', confidence, sources,"
        " created_at FROM fragment"
    ),
    "audit_event": "REPLACE INTO audit_event SELECT * FROM audit_event",
    "synthesis_version": "REPLACE INTO synthesis_version SELECT * FROM synthesis_version",
    "statement": "INSERT OR REPLACE INTO statement SELECT * FROM statement",
    "citation": "INSERT OR REPLACE INTO citation SELECT * FROM citation",
    "fragment_withdrawal": "REPLACE INTO fragment_withdrawal SELECT * FROM fragment_withdrawal",
    "fragment_withdrawal-by-fragment": (
        "REPLACE INTO fragment_withdrawal (id, fragment_id, participant_id, actor, reason,"
        " created_at) SELECT randomblob(16), fragment_id, participant_id, 'someone else',"
        " 'replaced', created_at FROM fragment_withdrawal"
    ),
    "fragment-by-idempotency-key": (
        "REPLACE INTO fragment (id, round_id, external_id, author_id, kind, text, confidence,"
        " sources, idempotency_key, created_at) SELECT randomblob(16), round_id,"
        " 'other-' || external_id, author_id, kind, 'replaced', confidence, sources,"
        " idempotency_key, created_at FROM fragment WHERE idempotency_key IS NOT NULL"
    ),
}


@pytest.mark.parametrize("case", list(REPLACES))
async def test_replace_cannot_delete_a_frozen_row(
    case: str, seed: Seed, session: AsyncSession, db_url: str, db_backend: str
) -> None:
    if db_backend != "sqlite":
        pytest.skip("REPLACE is SQLite's; PostgreSQL's ON CONFLICT is tested below")
    record_event(
        session, Actor.operator("cli"), "study.created", "study", "demo", study_id=seed.study.id
    )
    # Rows of the append-only tables the seed leaves empty: a withdrawal, and a fragment
    # submitted from the web with its idempotency key (unique per author and round).
    session.add(
        FragmentWithdrawal(fragment_id=seed.fragments[1].id, actor="cli", reason="withdrawn")
    )
    session.add(
        Fragment(
            round=seed.round,
            external_id="f-web",
            author=seed.expert,
            kind=FragmentKind.CLAIM,
            text="Sent from the web.",
            confidence=3,
            idempotency_key="key-1",
        )
    )
    await session.commit()
    table = case.split("-")[0]
    conn = raw_sqlite(db_url)
    try:
        before = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        with pytest.raises(sqlite3.IntegrityError, match=f"INSERT on {table} refused"):
            conn.execute(REPLACES[case])
        after = conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    finally:
        conn.close()
    assert after == before


@pytest.mark.parametrize("table", ["fragment", "statement"])
async def test_upsert_cannot_rewrite_a_frozen_row_on_postgresql(
    table: str, seed: Seed, sessionmaker: Maker, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("ON CONFLICT DO UPDATE is PostgreSQL's spelling of REPLACE")
    async with sessionmaker() as s:
        with pytest.raises(ImmutableRecordError, match=rf"(INSERT|UPDATE) on {table}"):
            await s.execute(
                text(
                    f"INSERT INTO {table} SELECT * FROM {table} "
                    "ON CONFLICT (id) DO UPDATE SET text = 'replaced'"
                )
            )


async def test_a_plain_duplicate_is_still_an_integrity_error(
    seed: Seed, sessionmaker: Maker
) -> None:
    """The SQLite key trigger refuses a duplicate as the unique index would, so callers that
    catch IntegrityError for a lost race (two analyses numbering a version) still do."""
    async with sessionmaker() as s:
        s.add(SynthesisVersion(round_id=seed.round.id, number=1, origin=Origin.LLM))
        with pytest.raises(IntegrityError):
            await s.flush()
    async with sessionmaker() as s:
        assert len((await s.scalars(select(SynthesisVersion))).all()) == 1
