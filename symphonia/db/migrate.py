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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from advanced_alchemy.types import GUID
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError, RevisionError
from alembic.util import CommandError
from sqlalchemy import func, inspect, select
from sqlalchemy import types as satypes
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import Column

from symphonia.db.engine import create_engine
from symphonia.db.errors import DatabaseUnreachable
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
    """Run `fn` on a connection to `url`; a failure to connect at all is
    :class:`DatabaseUnreachable` (one line naming the database), not a driver traceback."""
    engine = create_engine(url, foreign_keys=False, poolclass=NullPool)
    connected = False
    try:
        async with engine.connect() as conn:
            connected = True
            result = await conn.run_sync(fn)
            await conn.commit()
            return result
    except (OSError, TimeoutError, DBAPIError) as exc:
        if connected:
            raise
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or exc) or type(exc).__name__
        raise DatabaseUnreachable(shown, reason) from exc
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


@dataclass(frozen=True, slots=True)
class DowngradePlan:
    """What `downgrade` to `target` would undo: the revisions (newest first, with their
    one-line descriptions) and, when every table goes (`base`), the rows each one holds."""

    current: str | None
    target: str
    undone: tuple[tuple[str, str], ...]
    rows: dict[str, int]

    @property
    def drops_everything(self) -> bool:
        return self.target == "base"


async def downgrade_plan_async(url: str | URL, revision: str) -> DowngradePlan:
    """Describe a downgrade without running it (an unknown revision raises Alembic's
    CommandError, as the downgrade itself would)."""
    script = ScriptDirectory.from_config(make_config())

    def plan(connection: Connection) -> DowngradePlan:
        current = MigrationContext.configure(connection).get_current_revision()
        undone: list[tuple[str, str]] = []
        try:
            revisions = list(script.iterate_revisions(current, revision)) if current else []
        except ResolutionError as exc:  # as Alembic's own downgrade command words it
            raise CommandError(f"Can't locate revision identified by {revision!r}") from exc
        except RevisionError as exc:
            raise CommandError(str(exc)) from exc
        for rev in revisions:
            if rev.revision != revision:
                undone.append((rev.revision, (rev.doc or "").strip().splitlines()[0]))
        rows: dict[str, int] = {}
        if revision == "base" and undone:
            present = set(inspect(connection).get_table_names())
            for table in metadata.sorted_tables:
                if table.name in present:
                    count = select(func.count()).select_from(table)
                    rows[table.name] = int(connection.execute(count).scalar_one())
        return DowngradePlan(current, revision, tuple(undone), rows)

    return await _with_connection(url, plan)


def downgrade_plan(url: str | URL, revision: str) -> DowngradePlan:
    return _blocking(downgrade_plan_async(url, revision))


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
