"""Declarative base, naming convention and column helpers shared by every model.

We use advanced-alchemy's pieces (table-name inference, `to_dict`, audit columns, the
portable GUID and UTC datetime types) but keep our own registry and MetaData so that
(a) constraint names follow *our* convention, which includes every column of a multi-column
constraint and so never collides, and (b) nothing else that happens to use advanced-alchemy's
global registry leaks tables into our migrations.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any, TypeVar

import sqlalchemy as sa
from advanced_alchemy.base import CommonTableAttributes
from advanced_alchemy.mixins import AuditColumns
from advanced_alchemy.types import GUID, DateTimeUTC
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

from symphonia.db.ids import uuid7

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable, predictable constraint names, so migrations can name what they alter or drop."""

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

mapper_registry = registry(
    metadata=metadata,
    type_annotation_map={
        uuid.UUID: GUID,
        datetime.datetime: DateTimeUTC(timezone=True),
    },
)

JSON: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON everywhere, JSONB on PostgreSQL. Use for lists too: `mapped_column(JSON)`.

(advanced-alchemy's `JsonB` is not used: it calls an API SQLAlchemy 2.1 removed.)"""

E = TypeVar("E", bound=enum.Enum)


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def enum_type(enum_cls: type[E], name: str) -> sa.Enum:
    """A string-stored enum with a named CHECK constraint (`ck_<table>_<name>`).

    Values (not member names) are stored, so the database reads like the interchange format.
    """
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(CommonTableAttributes, AsyncAttrs, DeclarativeBase):
    """Root of all Symphonia models: our registry, a UUIDv7 primary key named `id`."""

    __abstract__ = True
    registry = mapper_registry
    metadata = metadata

    id: Mapped[uuid.UUID] = mapped_column(GUID, primary_key=True, default=uuid7, sort_order=-100)


class CreatedAt:
    """Creation time only: for append-only records, which have no "updated" moment."""

    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTimeUTC(timezone=True), default=utcnow, sort_order=3002
    )


__all__ = [
    "JSON",
    "NAMING_CONVENTION",
    "AuditColumns",
    "Base",
    "CreatedAt",
    "enum_type",
    "mapper_registry",
    "metadata",
    "utcnow",
]
