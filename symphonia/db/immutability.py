"""ORM-side enforcement of "a change is a new row" (DESIGN.md §3).

Three layers guard the same rule:

1. Mapper events (here) refuse, inside the flush, any UPDATE or DELETE of an always-frozen
   row (fragment, fragment withdrawal, amendment, publication, audit event) and any INSERT,
   UPDATE or DELETE that
   touches a published synthesis version's content (the version row, its statements, their
   citations). Mapper events see every row the unit of work writes, including delete-orphan
   cascades, which a `before_flush` hook would miss.
2. A `do_orm_execute` hook refuses ORM bulk `update()`/`delete()` on the always-frozen
   models, which bypass the flush.
3. Database triggers, created by the initial migration on SQLite and PostgreSQL, refuse the
   same changes from raw SQL. Their error message starts with `IMMUTABLE_MARKER`; an engine
   `handle_error` hook translates it into `ImmutableRecordError` for callers.

All three raise `symphonia.db.errors.ImmutableRecordError`. Importing `symphonia.db.models`
installs layers 1 and 2 (and the engine hook), so every Session that maps our models is guarded.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from symphonia.db.errors import ImmutableRecordError
from symphonia.db.models.audit import AuditEvent
from symphonia.db.models.contributions import FragmentWithdrawal
from symphonia.db.models.rounds import Fragment
from symphonia.db.models.synthesis import (
    Amendment,
    Citation,
    Publication,
    Statement,
    SynthesisVersion,
)

IMMUTABLE_MARKER = "symphonia:immutable"
"""Prefix of the database triggers' error message (see the initial migration)."""

ALWAYS_FROZEN: tuple[type[Any], ...] = (
    Fragment,
    Amendment,
    Publication,
    AuditEvent,
    FragmentWithdrawal,
)
"""Rows that may be inserted but never updated or deleted."""

_version_t = SynthesisVersion.__table__
_statement_t = Statement.__table__
_citation_t = Citation.__table__


def _published(conn: Connection, version_id: uuid.UUID | None) -> bool:
    if version_id is None:
        return False
    query = sa.select(_version_t.c.published_at).where(_version_t.c.id == version_id)
    return conn.execute(query).scalar_one_or_none() is not None


def _statement_version(conn: Connection, statement_id: uuid.UUID | None) -> uuid.UUID | None:
    if statement_id is None:
        return None
    query = sa.select(_statement_t.c.version_id).where(_statement_t.c.id == statement_id)
    result: uuid.UUID | None = conn.execute(query).scalar_one_or_none()
    return result


def _new_statement_version_published(conn: Connection, stmt: Statement) -> bool:
    """Whether a statement being written belongs to a published version (pending or stored)."""
    version = stmt.__dict__.get("version")
    if isinstance(version, SynthesisVersion) and version.published_at is not None:
        return True
    return _published(conn, stmt.version_id)


def _refuse(table: str, operation: str, detail: str) -> None:
    raise ImmutableRecordError(table, operation, detail)


def _before_insert(_mapper: Mapper[Any], conn: Connection, target: Any) -> None:
    if isinstance(target, Statement) and _new_statement_version_published(conn, target):
        _refuse(
            "statement",
            "INSERT",
            "its synthesis version is published; write statements "
            "before setting published_at, or draft a new version",
        )
    elif isinstance(target, Citation):
        statement = target.__dict__.get("statement")
        if isinstance(statement, Statement):
            frozen = _new_statement_version_published(conn, statement)
        else:
            frozen = _published(conn, _statement_version(conn, target.statement_id))
        if frozen:
            _refuse("citation", "INSERT", "its statement belongs to a published version")


def _modified(target: Any) -> bool:
    session = object_session(target)
    return session is None or session.is_modified(target, include_collections=False)


def _before_update(_mapper: Mapper[Any], conn: Connection, target: Any) -> None:
    if not _modified(target):
        return
    _check_existing(conn, target, "UPDATE")
    if isinstance(target, Statement) and _new_statement_version_published(conn, target):
        _refuse("statement", "UPDATE", "cannot move a statement into a published version")


def _before_delete(_mapper: Mapper[Any], conn: Connection, target: Any) -> None:
    _check_existing(conn, target, "DELETE")


def _check_existing(conn: Connection, target: Any, operation: str) -> None:
    """Refuse changing a stored row whose *stored* state is frozen (asked of the database)."""
    if isinstance(target, ALWAYS_FROZEN):
        _refuse(target.__tablename__, operation, "append-only: record a new row instead")
    elif isinstance(target, SynthesisVersion):
        if _published(conn, target.id):
            _refuse("synthesis_version", operation, "published; draft a new version instead")
    elif isinstance(target, Statement):
        if _published(conn, _statement_version(conn, target.id)):
            _refuse("statement", operation, "its synthesis version is published")
    elif isinstance(target, Citation):
        stored = conn.execute(
            sa.select(_citation_t.c.statement_id).where(_citation_t.c.id == target.id)
        ).scalar_one_or_none()
        if _published(conn, _statement_version(conn, stored)):
            _refuse("citation", operation, "its statement belongs to a published version")


def _refuse_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, ALWAYS_FROZEN):
        operation = "UPDATE" if state.is_update else "DELETE"
        _refuse(mapper.local_table.name, operation, "bulk statement on an append-only table")  # type: ignore[attr-defined]


def _translate_db_error(context: ExceptionContext) -> None:
    """Turn a trigger's refusal into ImmutableRecordError (raised with the DB error as cause)."""
    original = context.original_exception
    if original is None or IMMUTABLE_MARKER not in str(original):
        return
    message = str(original)
    table = "?"
    marker_at = message.find(IMMUTABLE_MARKER)
    parts = message[marker_at:].split()
    # The triggers say: "symphonia:immutable: <OP> on <table> refused ..."
    operation = parts[1] if len(parts) > 1 else "?"
    if len(parts) > 3:
        table = parts[3]
    raise ImmutableRecordError(
        table, operation, "refused by a database trigger", context.sqlalchemy_exception
    ) from context.sqlalchemy_exception


def install() -> None:
    """Register the guards (idempotent). Called when `symphonia.db.models` is imported."""
    for cls in (*ALWAYS_FROZEN, SynthesisVersion, Statement, Citation):
        for name, fn in (
            ("before_insert", _before_insert),
            ("before_update", _before_update),
            ("before_delete", _before_delete),
        ):
            if not event.contains(cls, name, fn):
                event.listen(cls, name, fn)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk):
        event.listen(Session, "do_orm_execute", _refuse_bulk)
    if not event.contains(Engine, "handle_error", _translate_db_error):
        event.listen(Engine, "handle_error", _translate_db_error)
