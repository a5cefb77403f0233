"""Alembic environment for Symphonia, async-capable, SQLite and PostgreSQL.

Two ways in:
- programmatic (`symphonia.db.migrate`): a live sync Connection arrives in
  `config.attributes["connection"]`, and we run on it;
- the `alembic` command (`alembic -c symphonia/db/alembic.ini ...`): we build an async
  engine from `config.attributes["url"]`, the ini's `sqlalchemy.url`, or Symphonia's settings
  (SYMPHONIA_DATABASE_URL), and drive it with asyncio.

SQLite ALTERs use batch mode (copy-and-move); foreign keys are off during migrations and
checked with `PRAGMA foreign_key_check` before commit instead.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from symphonia.db.migrate import COMPARE_OPTIONS
from symphonia.db.models import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from symphonia.settings import get_settings

    return get_settings().resolved_database_url


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"migration left foreign-key violations: {problems[:10]}")


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render advanced-alchemy column types with a plain import in generated revisions."""
    if kind == "type" and isinstance(obj, GUID):
        autogen_context.imports.add("from advanced_alchemy.types import GUID")
        return "GUID()"
    if kind == "type" and isinstance(obj, DateTimeUTC):
        autogen_context.imports.add("from advanced_alchemy.types import DateTimeUTC")
        return "DateTimeUTC(timezone=True)"
    return False


def do_run_migrations(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        render_item=_render_item,
        **COMPARE_OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            _check_sqlite_foreign_keys(connection)


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    from symphonia.db.engine import create_engine

    engine = create_engine(_url(), foreign_keys=False, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        do_run_migrations(connection)
    else:
        asyncio.run(_run_async())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
