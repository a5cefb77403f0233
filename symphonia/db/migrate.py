"""Run the packaged Alembic migrations programmatically, from the CLI, services or tests.

No `alembic.ini` is needed in the working directory: the Config is built here with
`script_location` pointing into this package. Each function has an async form (`*_async`)
for callers already on an event loop, and a blocking form that works from plain code *and*
from inside a running loop (it then runs the migration on a helper thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from advanced_alchemy.types import GUID
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import types as satypes
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import Column

from symphonia.db.engine import create_engine
from symphonia.db.models import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
"""Date-prefixed revision files, e.g. `2026_11_21_0001_initial.py` (use `--rev-id 0002`)."""

T = TypeVar("T")


def make_config(url: str | URL | None = None) -> Config:
    """An Alembic Config for the packaged migrations; `url` travels in `attributes`
    (not the ini options) so passwords containing `%` need no escaping."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    if url is not None:
        config.attributes["url"] = url
    return config


def compare_type(
    context: MigrationContext,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_type: satypes.TypeEngine[Any],
    metadata_type: satypes.TypeEngine[Any],
) -> bool | None:
    """Alembic type comparison that knows SQLite reflects GUID's BINARY(16) as NUMERIC.

    (SQLite has no BINARY type; reflection falls back to its NUMERIC affinity.) Returns
    False for "same type", None to let Alembic decide.
    """
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        same = isinstance(inspected_type, satypes.NUMERIC | satypes.BINARY | satypes.LargeBinary)
        return False if same else None
    return None


COMPARE_OPTIONS: dict[str, Any] = {"compare_type": compare_type, "compare_server_default": True}
"""What autogenerate compares; shared by env.py and `schema_diff` so they agree."""


def heads() -> tuple[str, ...]:
    """The head revision(s) of the packaged migrations."""
    return tuple(ScriptDirectory.from_config(make_config()).get_heads())


async def _with_connection(url: str | URL, fn: Callable[[Connection], T]) -> T:
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            result = await conn.run_sync(fn)
            await conn.commit()
            return result
    finally:
        await engine.dispose()


def _command(url: str | URL, action: Callable[[Config], None]) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = make_config(url)
        config.attributes["connection"] = connection
        action(config)

    return run


async def upgrade_async(url: str | URL, revision: str = "head") -> None:
    await _with_connection(url, _command(url, lambda c: command.upgrade(c, revision)))


async def downgrade_async(url: str | URL, revision: str) -> None:
    await _with_connection(url, _command(url, lambda c: command.downgrade(c, revision)))


async def current_async(url: str | URL) -> str | None:
    """The database's current revision, or None for an empty (unmigrated) database."""

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    return await _with_connection(url, read)


async def schema_diff_async(url: str | URL) -> list[Any]:
    """Differences between the models and the database at `url` (empty when they agree)."""

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts=dict(COMPARE_OPTIONS))
        return list(compare_metadata(context, metadata))

    return await _with_connection(url, diff)


def _blocking(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Upgrade the database at `url` to `revision` (default: the newest)."""
    _blocking(upgrade_async(url, revision))


def downgrade(url: str | URL, revision: str) -> None:
    """Downgrade the database at `url` to `revision` (`base` empties it)."""
    _blocking(downgrade_async(url, revision))


def current(url: str | URL) -> str | None:
    """The database's current revision, or None if it was never migrated."""
    return _blocking(current_async(url))


def schema_diff(url: str | URL) -> list[Any]:
    """Autogenerate's diff between the models and the migrated database (should be [])."""
    return _blocking(schema_diff_async(url))
