"""Recording audit events: who did what, to what, when.

Services call `record_event` in the same transaction as the state change it describes, so
the change and its record commit or roll back together; there is no separate "log later".
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from symphonia.core.actors import Actor
from symphonia.db.ids import uuid7
from symphonia.db.models.audit import AuditEvent
from symphonia.db.models.base import utcnow

_TABLE = cast(sa.Table, AuditEvent.__table__)
_INSERT = sa.insert(_TABLE)


def record_event(
    session: AsyncSession | Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | uuid.UUID | int,
    study_id: uuid.UUID | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an AuditEvent to `session` (not awaited, not committed; the caller's commit does it).

    `actor` is who acted: the log keeps its label (e.g. `participant:E07`,
    `account:ann@example.org`, `cli`), its kind and its id; `action` is a dotted verb such as
    `round.opened`; `subject_type`/`subject_id` name what was acted on; `detail` must be
    JSON-serialisable.
    """
    event = AuditEvent(**_event_values(actor, action, subject_type, subject_id, study_id, detail))
    session.add(event)
    return event


def write_event(
    connection: Connection,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | uuid.UUID | int,
    study_id: uuid.UUID | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record an event as :func:`record_event` does, with one Core INSERT executed now on
    `connection`, in its transaction, rather than an object flushed with an ORM session:
    for hot paths (a submission), where the ORM's unit of work costs more than the
    statement. Plain and blocking, so a use case run as Core statements can use it
    (`symphonia.services.tx.write_at_once`); async code calls it through
    `AsyncConnection.run_sync`."""
    values = _event_values(actor, action, subject_type, subject_id, study_id, detail)
    connection.execute(_INSERT, {"id": uuid7(), "at": utcnow(), **values})


def _event_values(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | uuid.UUID | int,
    study_id: uuid.UUID | None,
    detail: Mapping[str, Any] | None,
) -> dict[str, Any]:
    for name, value in (("action", action), ("subject_type", subject_type)):
        if not value or not value.strip():
            raise ValueError(f"audit event {name} must not be empty")
    return {
        "study_id": study_id,
        "actor": actor.label,
        "actor_kind": actor.kind.value,
        "actor_id": actor.id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "detail": dict(detail or {}),
    }
