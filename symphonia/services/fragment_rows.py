"""Writing an expert's fragment: one INSERT, and the read model of what was written.

A submission is the platform's hottest write (a whole panel submitting at once), so the row
goes in as one Core INSERT with its values made here (id, time, interchange id), executed
on the session's connection rather than through the ORM's unit of work or its execution;
the read model is built from the same values, with no query. Fragments are append-only,
so nothing ever loads this row to change it.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from symphonia.db.ids import uuid7
from symphonia.db.models import Fragment
from symphonia.db.models.base import utcnow
from symphonia.services.contributing import Author, Contributing
from symphonia.services.submission_rules import CheckedFragment, FragmentView

_TABLE = cast(sa.Table, Fragment.__table__)
_INSERT = sa.insert(_TABLE)
"""Made once; each row's values are its parameters (building `.values(...)` anew for each
row cost more than compiling, which SQLAlchemy caches anyway)."""


def random_suffix() -> str:
    """What follows the pseudonym in a web submission's id: 32 random bits, in hex."""
    return secrets.token_hex(4)


def new_external_id(author: Author) -> str:
    """An id for a web submission: the pseudonym and 32 random bits (`E07-3fa9c2d1`)."""
    return f"{author.pseudonym}-{random_suffix()}"


def fragment_view(
    external_id: str,
    author: Author,
    values: CheckedFragment,
    created_at: datetime.datetime,
    supersedes: Fragment | None = None,
) -> FragmentView:
    """The read model of a fragment just written with `values`, with no query."""
    return FragmentView(
        id=external_id,
        author=author.pseudonym,
        kind=values.kind,
        text=values.text,
        confidence=values.confidence,
        sources=values.sources,
        question=values.question,
        created_at=created_at,
        supersedes=supersedes.external_id if supersedes is not None else None,
    )


def write_fragment(
    connection: Connection,
    ctx: Contributing,
    values: CheckedFragment,
    *,
    idempotency_key: str | None = None,
    supersedes: Fragment | None = None,
) -> tuple[uuid.UUID, FragmentView]:
    """Store the fragment by `ctx.author` in `ctx.round` (an edit when `supersedes` is
    given), on `connection`, in its transaction; its row id and its read model. A reused
    idempotency key raises IntegrityError (the unique index on author, round and key), for
    the caller to answer. Plain and blocking, so a use case run as Core statements can use
    it (`symphonia.services.tx.write_at_once`); async code calls it through
    `AsyncConnection.run_sync`."""
    row_id, created_at = uuid7(), utcnow()
    external_id = new_external_id(ctx.author)
    connection.execute(
        _INSERT,
        {
            "id": row_id,
            "round_id": ctx.round.id,
            "external_id": external_id,
            "author_id": ctx.author.id,
            "kind": values.kind,
            "text": values.text,
            "confidence": values.confidence,
            "sources": list(values.sources),
            "question": values.question,
            "supersedes_id": supersedes.id if supersedes is not None else None,
            "idempotency_key": idempotency_key,
            "created_at": created_at,
        },
    )
    return row_id, fragment_view(external_id, ctx.author, values, created_at, supersedes)
