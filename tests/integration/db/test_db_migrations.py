"""Migrations: up from empty, down to base, up again; and models == migrated schema."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from symphonia.db import migrate
from symphonia.db.engine import create_engine
from symphonia.db.models import metadata


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def names(sync_conn: Connection) -> set[str]:
                return set(inspect(sync_conn).get_table_names())

            return await conn.run_sync(names)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    model_tables = set(metadata.tables)
    assert await migrate.current_async(empty_db_url) is None

    await migrate.upgrade_async(empty_db_url)
    assert await migrate.current_async(empty_db_url) == migrate.heads()[0]
    assert await _tables(empty_db_url) == model_tables | {"alembic_version"}

    await migrate.downgrade_async(empty_db_url, "base")
    assert await migrate.current_async(empty_db_url) is None
    assert await _tables(empty_db_url) <= {"alembic_version"}

    await migrate.upgrade_async(empty_db_url, "head")
    assert await migrate.current_async(empty_db_url) == migrate.heads()[0]
    assert await _tables(empty_db_url) == model_tables | {"alembic_version"}


async def test_downgrade_removes_postgres_trigger_functions(
    empty_db_url: str, db_backend: str
) -> None:
    await migrate.upgrade_async(empty_db_url)
    await migrate.downgrade_async(empty_db_url, "base")
    if db_backend != "postgresql":
        return
    engine = create_engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            leftover = (
                await conn.execute(
                    text("SELECT proname FROM pg_proc WHERE proname LIKE 'symphonia%'")
                )
            ).all()
    finally:
        await engine.dispose()
    assert leftover == []


def test_blocking_api_works_outside_an_event_loop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}"
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.heads()[0]
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None


async def test_blocking_api_works_inside_a_running_loop(db_url: str) -> None:
    # e.g. called from an async CLI command or a Litestar startup hook
    assert migrate.current(db_url) == migrate.heads()[0]


async def test_models_and_migrations_agree(db_url: str) -> None:
    """Autogenerate finds nothing to do: the migration creates exactly what the models say."""
    assert await migrate.schema_diff_async(db_url) == []


async def test_sqlite_connections_enforce_foreign_keys_and_use_wal(
    engine: AsyncEngine, db_backend: str
) -> None:
    if db_backend != "sqlite":
        return
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"


async def test_module_db_url_is_migrated(module_db_url: str) -> None:
    assert await migrate.current_async(module_db_url) == migrate.heads()[0]
