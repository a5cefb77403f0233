"""Migration 0004 (frozen versions) on a database holding versions: counts filled in,
versions frozen, and the way back restores 0001's rule (a draft editable, a published version
frozen)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from symphonia.db import migrate
from symphonia.db.engine import create_engine
from symphonia.db.errors import ImmutableRecordError


def _ids(backend: str) -> dict[str, str]:
    """Literal ids in each backend's storage of GUID (16 bytes on SQLite, uuid on PG)."""
    names = ("study", "round", "person", "fragment", "version", "statement", "citation")
    if backend == "postgresql":
        return {n: f"'00000000-0000-0000-0000-00000000000{i}'" for i, n in enumerate(names, 1)}
    return {n: f"x'{i:032x}'" for i, n in enumerate(names, 1)}


async def _seed_0001(conn: AsyncConnection, backend: str) -> None:
    i = _ids(backend)
    now = "'2026-01-01 00:00:00+00'"
    for sql in (
        f"INSERT INTO study (id, slug, title, question, description, synthetic, anonymity,"
        f" protocol, created_at, updated_at) VALUES ({i['study']}, 's', 't', 'q', '', false,"
        f" 'pseudonymous', '{{}}', {now}, {now})",
        f"INSERT INTO round (id, study_id, number, kind, status, created_at, updated_at)"
        f" VALUES ({i['round']}, {i['study']}, 1, 'contribute', 'closed', {now}, {now})",
        f"INSERT INTO participant (id, study_id, pseudonym, role, created_at, updated_at)"
        f" VALUES ({i['person']}, {i['study']}, 'E01', 'expert', {now}, {now})",
        f"INSERT INTO fragment (id, round_id, external_id, author_id, kind, text, confidence,"
        f" sources, created_at) VALUES ({i['fragment']}, {i['round']}, 'f1', {i['person']},"
        f" 'claim', 'x', 3, '[]', {now})",
        f"INSERT INTO synthesis_version (id, round_id, number, origin, drafter, ledger,"
        f" created_at) VALUES ({i['version']}, {i['round']}, 1, 'extractive', '{{}}', '[]',"
        f" {now})",
        f"INSERT INTO statement (id, version_id, key, section, text, strength, origin, guard,"
        f" position, created_at) VALUES ({i['statement']}, {i['version']}, 's1', 'gap', 'x',"
        f" 'weak', 'extractive', '{{}}', 0, {now})",
        f"INSERT INTO citation (id, statement_id, fragment_id, position) VALUES"
        f" ({i['citation']}, {i['statement']}, {i['fragment']}, 0)",
    ):
        await conn.execute(text(sql))


async def test_upgrade_fills_the_counts_and_freezes_stored_versions(
    empty_db_url: str, db_backend: str
) -> None:
    await migrate.upgrade_async(empty_db_url, "0001")
    engine = create_engine(empty_db_url)
    try:
        async with engine.begin() as conn:
            await _seed_0001(conn, db_backend)
        await migrate.upgrade_async(empty_db_url, "head")
        async with engine.connect() as conn:
            counts = (
                await conn.execute(
                    text(
                        "SELECT v.statement_count, s.citation_count FROM synthesis_version v"
                        " JOIN statement s ON s.version_id = v.id"
                    )
                )
            ).one()
            assert tuple(counts) == (1, 1)
            with pytest.raises(ImmutableRecordError):
                await conn.execute(text("UPDATE statement SET text = 'edited'"))
        await migrate.downgrade_async(empty_db_url, "0001")
        async with engine.begin() as conn:  # 0001's rule again: a draft may be edited
            await conn.execute(text("UPDATE statement SET text = 'edited'"))
            await conn.execute(text("UPDATE synthesis_version SET published_at = '2026-02-01'"))
        async with engine.connect() as conn:
            with pytest.raises(ImmutableRecordError):
                await conn.execute(text("UPDATE statement SET text = 'after publication'"))
        await migrate.upgrade_async(empty_db_url, "head")
        assert await migrate.schema_diff_async(empty_db_url) == []
    finally:
        await engine.dispose()


async def _triggers(engine: AsyncEngine, backend: str) -> dict[str, str]:
    """Every trigger of ours, by name, with its definition (to compare a round trip)."""
    query = (
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        if backend == "sqlite"
        else "SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE NOT t.tgisinternal"
    )
    async with engine.connect() as conn:
        return {name: sql for name, sql in (await conn.execute(text(query))).all()}


EXPECTED_AT_HEAD = {
    "sqlite": {
        "trg_fragment_withdrawal_no_update",  # 0002
        "trg_fragment_withdrawal_no_delete",
        "trg_fragment_withdrawal_key_exists",  # 0004
        "trg_fragment_key_exists",
        "trg_fragment_no_update",
        "trg_audit_event_no_delete",
        "trg_synthesis_version_no_update",
        "trg_statement_past_count",
        "trg_citation_past_count",
        "trg_citation_no_delete",
    },
    "postgresql": {
        "trg_fragment_withdrawal_no_change",  # 0002
        "trg_fragment_withdrawal_no_truncate",
        "trg_synthesis_version_frozen",  # 0004
        "trg_statement_no_change",
        "trg_statement_past_count",
        "trg_citation_past_count",
    },
}


async def test_every_trigger_is_there_at_head_and_after_a_round_trip_to_0001(
    empty_db_url: str, db_backend: str
) -> None:
    """0002 sets SQLite's triggers aside for its table copies and puts them back; 0004
    replaces 0001's version triggers. At head both migrations' triggers exist, and going
    down to 0001 and up again gives back exactly the same set."""
    engine = create_engine(empty_db_url)
    try:
        await migrate.upgrade_async(empty_db_url, "0001")
        at_0001 = await _triggers(engine, db_backend)
        await migrate.upgrade_async(empty_db_url, "head")
        at_head = await _triggers(engine, db_backend)
        assert EXPECTED_AT_HEAD[db_backend] <= set(at_head)
        await migrate.downgrade_async(empty_db_url, "0001")
        assert await _triggers(engine, db_backend) == at_0001
        await migrate.upgrade_async(empty_db_url, "head")
        assert await _triggers(engine, db_backend) == at_head
    finally:
        await engine.dispose()
