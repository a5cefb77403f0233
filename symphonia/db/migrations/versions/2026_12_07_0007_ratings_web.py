"""ratings from the web: a rating's score may be NULL, meaning "cannot judge"

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:00:00+00:00

Issue 10 §4. An expert rating in the browser may answer "cannot judge" for a statement. That
answer is kept as a rating row whose `score` is NULL (as a priority score's already is): it
counts as taking part in the round, and every statistic (median, IQR, agreement, stability)
reads only the rows that have a score. No stored row changes.

SQLite changes a column's nullability by copying the table, which drops its triggers: every
trigger is set aside and restored, as in 0002 and 0006.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def sqlite_triggers_kept() -> Iterator[None]:
    """On SQLite, drop every trigger while a table is copied and re-create each from its
    stored SQL afterwards (PostgreSQL keeps triggers when a table is altered)."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        yield
        return
    rows = bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).all()
    for name, _sql in rows:
        op.execute(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in rows:
        op.execute(sql)


def upgrade() -> None:
    with sqlite_triggers_kept():
        with op.batch_alter_table('rating', schema=None) as batch_op:
            batch_op.alter_column('score', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Back to 0006: "cannot judge" answers have no place there, so they are deleted (the
    audit log keeps that they were given)."""
    op.execute('DELETE FROM rating WHERE score IS NULL')
    with sqlite_triggers_kept():
        with op.batch_alter_table('rating', schema=None) as batch_op:
            batch_op.alter_column('score', existing_type=sa.Integer(), nullable=False)
