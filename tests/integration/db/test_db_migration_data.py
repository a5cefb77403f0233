"""Migrations 0002 to 0004 on a database that holds data: rows survive, new columns are
filled, and every immutability trigger is still there and still refuses (SQLite copies tables
to alter them, which drops triggers unless the migration puts them back)."""

from __future__ import annotations

import datetime
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from symphonia.db import migrate
from symphonia.db.engine import create_engine
from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models import metadata

NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)
IDS = {name: uuid.uuid4() for name in ("study", "round", "run", "version", "event", "person")}

# Columns as revision 0001 had them (a subset: what these rows need).
OLD_COLUMNS = {
    "study": ["id", "slug", "title", "question", "description", "synthetic", "anonymity",
              "protocol", "created_at", "updated_at"],
    "participant": ["id", "study_id", "pseudonym", "role", "created_at", "updated_at"],
    "round": ["id", "study_id", "number", "kind", "status", "created_at", "updated_at"],
    "analysis_run": ["id", "round_id", "embedding_model", "params", "input_hash", "status",
                     "timings", "created_at", "updated_at"],
    "synthesis_version": ["id", "round_id", "run_id", "number", "origin", "drafter", "ledger",
                          "published_at", "created_at"],
    "audit_event": ["id", "study_id", "actor", "action", "subject_type", "subject_id", "detail",
                    "at"],
}  # fmt: skip
ROWS = {
    "study": {"id": IDS["study"], "slug": "old", "title": "Old", "question": "Q?",
              "description": "", "synthetic": False, "anonymity": "pseudonymous",
              "protocol": {}, "created_at": NOW, "updated_at": NOW},
    "participant": {"id": IDS["person"], "study_id": IDS["study"], "pseudonym": "E01",
                    "role": "expert", "created_at": NOW, "updated_at": NOW},
    "round": {"id": IDS["round"], "study_id": IDS["study"], "number": 1, "kind": "contribute",
              "status": "analysed", "created_at": NOW, "updated_at": NOW},
    "analysis_run": {"id": IDS["run"], "round_id": IDS["round"], "embedding_model": "m",
                     "params": {}, "input_hash": "h", "status": "succeeded", "timings": {},
                     "created_at": NOW, "updated_at": NOW},
    "synthesis_version": {"id": IDS["version"], "round_id": IDS["round"], "run_id": IDS["run"],
                          "number": 1, "origin": "extractive", "drafter": {}, "ledger": [],
                          "published_at": NOW, "created_at": NOW},
    "audit_event": {"id": IDS["event"], "study_id": IDS["study"], "actor": "cli",
                    "action": "study.created", "subject_type": "study", "subject_id": "old",
                    "detail": {}, "at": NOW},
}  # fmt: skip


def old_table(name: str) -> sa.Table:
    columns = [c._copy() for c in metadata.tables[name].columns if c.name in OLD_COLUMNS[name]]
    return sa.Table(name, sa.MetaData(), *columns)


async def fill(conn: AsyncConnection) -> None:
    for name, row in ROWS.items():
        await conn.execute(sa.insert(old_table(name)).values(**row))


async def test_upgrade_keeps_rows_fills_new_columns_and_keeps_triggers(empty_db_url: str) -> None:
    await migrate.upgrade_async(empty_db_url, "0001")
    engine = create_engine(empty_db_url)
    try:
        async with engine.begin() as conn:
            await fill(conn)
        await migrate.upgrade_async(empty_db_url, "head")
        async with engine.connect() as conn:
            run = (await conn.execute(sa.select(metadata.tables["analysis_run"]))).one()
            event = (await conn.execute(sa.select(metadata.tables["audit_event"]))).one()
            person = (await conn.execute(sa.select(metadata.tables["participant"]))).one()
        assert (run.status, run.attempts, run.options, run.progress) == ("succeeded", 1, {}, {})
        assert (event.actor, event.actor_kind, event.actor_id) == ("cli", None, None)
        assert (person.auth_epoch, person.email) == (0, None)
        for statement in (
            "UPDATE audit_event SET actor = 'x'",
            "DELETE FROM audit_event",
            "UPDATE synthesis_version SET number = 2",
            "DELETE FROM synthesis_version",
        ):
            with pytest.raises(ImmutableRecordError):
                async with engine.begin() as conn:
                    await conn.execute(sa.text(statement))
        assert await migrate.schema_diff_async(empty_db_url) == []
        # ... and back down, with the data still there and the triggers still refusing.
        await migrate.downgrade_async(empty_db_url, "0001")
        with pytest.raises(ImmutableRecordError):
            async with engine.begin() as conn:
                await conn.execute(sa.text("DELETE FROM audit_event"))
        async with engine.connect() as conn:
            runs = (await conn.execute(sa.text("SELECT status FROM analysis_run"))).all()
        assert [r.status for r in runs] == ["succeeded"]
    finally:
        await engine.dispose()
