"""ORM-side enforcement of "a change is a new row" (DESIGN.md §3).

Three layers guard the same rule:

1. Mapper events (here) refuse, inside the flush, any UPDATE or DELETE of an always-frozen
   row (fragment, fragment withdrawal, amendment, publication, audit event, and a stored
   version's statements and citations), any DELETE of a synthesis version, and any UPDATE
   of one but the setting of `approved_at`, `approved_by_id` or `published_at` from NULL,
   once. Mapper events see every row the unit of work writes, including delete-orphan
   cascades, which a `before_flush` hook would miss. They also fill in a new version's
   `statement_count` and a new statement's `citation_count` from their collections when
   left unset.
2. A `do_orm_execute` hook refuses ORM bulk `update()`/`delete()` on the always-frozen
   models, which bypass the flush.
3. Database triggers (migrations 0001, 0002 and 0004) refuse the same changes from raw SQL,
   on SQLite and PostgreSQL, and also what only the database can see cheaply: a statement or
   citation inserted past its version's or statement's count (added to a version already
   stored), and, on SQLite, an INSERT OR REPLACE that would delete a frozen row. Their
   error message starts with `IMMUTABLE_MARKER`; an engine `handle_error` hook translates
   it into `ImmutableRecordError` for callers.

All three raise `symphonia.db.errors.ImmutableRecordError`. Importing `symphonia.db.models`
installs layers 1 and 2 (and the engine hook), so every Session that maps our models is guarded.
"""

from __future__ import annotations

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
"""Prefix of the database triggers' error message (see migrations 0001, 0002 and 0004)."""

ALWAYS_FROZEN: tuple[type[Any], ...] = (
    Fragment,
    Amendment,
    Publication,
    AuditEvent,
    FragmentWithdrawal,
    Statement,
    Citation,
)
"""Rows that may be inserted but never updated or deleted."""

ONCE_COLUMNS = frozenset({"approved_at", "approved_by_id", "published_at"})
"""A synthesis version's only columns that may change: each from NULL to a value, once."""


def _refuse(table: str, operation: str, detail: str) -> None:
    raise ImmutableRecordError(table, operation, detail)


def _before_insert(_mapper: Mapper[Any], _conn: Connection, target: Any) -> None:
    """Fix the counts that make a stored version whole, from what it is stored with."""
    if isinstance(target, SynthesisVersion) and target.statement_count is None:
        target.statement_count = len(target.statements)
    elif isinstance(target, Statement) and target.citation_count is None:
        target.citation_count = len(target.citations)


def _before_update(_mapper: Mapper[Any], _conn: Connection, target: Any) -> None:
    session = object_session(target)
    if session is not None and not session.is_modified(target, include_collections=False):
        return
    if isinstance(target, ALWAYS_FROZEN):
        _refuse(target.__tablename__, "UPDATE", "append-only: record a new row instead")
    if isinstance(target, SynthesisVersion):
        _check_version_update(target)


def _check_version_update(version: SynthesisVersion) -> None:
    state = sa.inspect(version)
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        if attr.key not in ONCE_COLUMNS:
            _refuse(
                "synthesis_version",
                "UPDATE",
                f"{attr.key} of a stored version never changes; draft a new version instead",
            )
        if any(old is not None for old in history.deleted):
            _refuse("synthesis_version", "UPDATE", f"{attr.key} is set already, once and for all")


def _before_delete(_mapper: Mapper[Any], _conn: Connection, target: Any) -> None:
    if isinstance(target, ALWAYS_FROZEN):
        _refuse(target.__tablename__, "DELETE", "append-only: record a new row instead")
    if isinstance(target, SynthesisVersion):
        _refuse("synthesis_version", "DELETE", "a stored version is kept for good")


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
    for cls in (*ALWAYS_FROZEN, SynthesisVersion):
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
