"""State the web processes share through the database, so that a request may land on any of
them: the key-value entries behind rate limits (:mod:`symphonia.web.stores`).

A plain table rather than a mapped class: entries are keyed by (namespace, key), not by a
generated id, and are only ever read and upserted whole.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC

from symphonia.db.models.base import metadata

shared_store = sa.Table(
    "shared_store",
    metadata,
    sa.Column("namespace", sa.String(100), primary_key=True),
    sa.Column("key", sa.String(500), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=True, index=True),
)
"""One Litestar store entry: `namespace` is the store's name (e.g. ``rate_limit_sign_in``);
`expires_at` NULL means it never expires. Expired rows read as absent and are swept now and
then by the writer."""

__all__ = ["shared_store"]
