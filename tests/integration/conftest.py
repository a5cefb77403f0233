"""Database fixtures shared by every integration test (db, services, web).

Every test that uses `db_url`, `engine`, `sessionmaker` or `session` runs once per backend:

- ``sqlite``     a temporary file database (always available);
- ``postgresql`` a throw-away database on the server named by ``SYMPHONIA_TEST_POSTGRES_URL``
                 (e.g. ``postgresql+asyncpg://symphonia:symphonia@127.0.0.1:5432/symphonia_test``,
                 printed by ``scripts/postgres-test-server.sh``). The role needs CREATEDB.
                 Unset: PostgreSQL cases are skipped — unless ``SYMPHONIA_REQUIRE_POSTGRES=1``
                 (CI), when they fail loudly instead. Select or drop them with ``-m postgres`` /
                 ``-m "not postgres"``.

Each test gets its own freshly migrated database (full isolation, commit freely): the
migrations run once per backend into a template, and each test gets a copy (SQLite: the
backup API; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), dropped after the test.

Fixtures:
    db_backend     "sqlite" | "postgresql"  (session-scoped parameter)
    db_url         URL of a fresh database migrated to head          (per test)
    module_db_url  the same, shared by the tests of one module (faster on PostgreSQL)
    empty_db_url   URL of a fresh, empty, never-migrated database    (per test)
    engine         AsyncEngine on db_url (symphonia.db.engine.create_engine), disposed after
    sessionmaker   async_sessionmaker on that engine (expire_on_commit=False)
    session        an AsyncSession from it; uncommitted work is rolled back at the end
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as sa_create_async_engine
from sqlalchemy.pool import NullPool

from symphonia.db import migrate
from symphonia.db.engine import create_engine, create_sessionmaker

POSTGRES_URL_ENV = "SYMPHONIA_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "SYMPHONIA_REQUIRE_POSTGRES"


def postgres_admin_url() -> str:
    """The configured PostgreSQL URL, or skip (or fail, when PostgreSQL is required)."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(
            f"{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_URL_ENV} is not set; "
            "run scripts/postgres-test-server.sh and export its output",
            pytrace=False,
        )
    pytest.skip(f"{POSTGRES_URL_ENV} not set (scripts/postgres-test-server.sh prints one)")


@dataclass
class _Postgres:
    """Creates and drops throw-away databases through the configured (admin) database."""

    admin_url: str
    engine: AsyncEngine

    def url_for(self, database: str) -> str:
        url = make_url(self.admin_url).set(database=database)
        return url.render_as_string(hide_password=False)

    async def create(self, template: str = "template0") -> str:
        """CREATE DATABASE from `template` (template0 for an empty one: nobody can be
        connected to it). PostgreSQL refuses to copy a template someone is connected to, e.g.
        a migration connection still closing, so retry that briefly."""
        name = f"symphonia_t_{uuid.uuid4().hex[:16]}"
        for attempt in range(1, 11):
            try:
                async with self.engine.connect() as conn:
                    await conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
            except DBAPIError as exc:
                if "being accessed by other users" not in str(exc) or attempt == 10:
                    raise
                await asyncio.sleep(0.2 * attempt)
            else:
                return name
        raise AssertionError("unreachable")

    async def drop(self, name: str) -> None:
        """DROP ... WITH (FORCE). An autovacuum worker in the database runs under no role, so
        a role without pg_signal_backend may not end it: wait for it to finish and retry."""
        for attempt in range(1, 11):
            try:
                async with self.engine.connect() as conn:
                    await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            except DBAPIError as exc:
                if "pg_signal_backend" not in str(exc) or attempt == 10:
                    raise
                await asyncio.sleep(0.2 * attempt)
            else:
                return


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend == "postgresql":
        postgres_admin_url()
    return backend


@pytest.fixture(scope="session")
async def _postgres(db_backend: str) -> AsyncIterator[_Postgres | None]:
    if db_backend != "postgresql":
        yield None
        return
    admin_url = postgres_admin_url()
    engine = sa_create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - environment problem, say so plainly
        await engine.dispose()
        pytest.fail(f"cannot connect to {POSTGRES_URL_ENV} ({admin_url}): {exc}", pytrace=False)
    yield _Postgres(admin_url, engine)
    await engine.dispose()


@pytest.fixture(scope="session")
async def _template(
    db_backend: str, _postgres: _Postgres | None, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """A database migrated to head once per backend; `db_url` copies it for each test."""
    if _postgres is None:
        path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
        await migrate.upgrade_async(f"sqlite+aiosqlite:///{path}")
        yield str(path)
        return
    name = await _postgres.create()
    try:
        await migrate.upgrade_async(_postgres.url_for(name))
        yield name
    finally:
        await _postgres.drop(name)


def _copy_sqlite(source: str, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture
async def db_url(
    db_backend: str, _postgres: _Postgres | None, _template: str, tmp_path: Path
) -> AsyncIterator[str]:
    """A fresh database at the newest migration, for this test only."""
    if _postgres is None:
        target = tmp_path / "symphonia.db"
        _copy_sqlite(_template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = await _postgres.create(template=_template)
    try:
        yield _postgres.url_for(name)
    finally:
        await _postgres.drop(name)


@pytest.fixture(scope="module")
async def module_db_url(
    db_backend: str,
    _postgres: _Postgres | None,
    _template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[str]:
    """Like `db_url` but shared by all tests of a module: cheaper on PostgreSQL (a database
    copy costs ~0.4 s there), at the price of tests seeing each other's committed rows."""
    if _postgres is None:
        target = tmp_path_factory.mktemp("sqlite-module") / "symphonia.db"
        _copy_sqlite(_template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = await _postgres.create(template=_template)
    try:
        yield _postgres.url_for(name)
    finally:
        await _postgres.drop(name)


@pytest.fixture
async def empty_db_url(
    db_backend: str, _postgres: _Postgres | None, tmp_path: Path
) -> AsyncIterator[str]:
    """A fresh database with no tables at all, for migration tests."""
    if _postgres is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = await _postgres.create()
    try:
        yield _postgres.url_for(name)
    finally:
        await _postgres.drop(name)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session
