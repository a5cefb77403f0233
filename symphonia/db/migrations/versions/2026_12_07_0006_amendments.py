"""amendments: editors' changes stored so they can be read and replayed; statement revisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00+00:00

Issue 10 (the editor). Editing never rewrites a stored version: each change makes a new
version (parent_id -> the version it changed) and one amendment row, which now keeps

- statement_key: the statement the change is about (a new statement's key for an addition);
- change: the editor's decision as JSON (symphonia.core.amendments.Change), enough to replay
  the change from the parent version;
- before / after: the statements as they were and became (JSON lists), and diff: a readable
  word diff of their texts;

and `statement.revision` counts the changes to a statement (by its stable key) across
versions, for optimistic locking: an editor's form carries the revision it showed. NULL in
versions stored before this migration means 1.

Two new actions: `cite` (citations added or removed) and `accept_flag` (an editor keeps a
flagged statement, with a written justification). SQLite changes a CHECK constraint by
copying the table, which drops its triggers: every trigger is set aside and restored, as
in 0002. Adding a nullable column is a plain ALTER TABLE on both databases and writes no
row, so no immutability trigger fires.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
OLD_ACTIONS = ('edit', 'merge', 'split', 'reclassify', 'add', 'remove')
NEW_ACTIONS = (*OLD_ACTIONS, 'cite', 'accept_flag')


@contextmanager
def triggers_set_aside() -> Iterator[None]:
    """On SQLite, drop every trigger and re-create each from its stored SQL afterwards
    (PostgreSQL keeps triggers when a table is altered)."""
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


def _actions(values: tuple[str, ...]) -> str:
    return 'action IN (' + ', '.join(f"'{v}'" for v in values) + ')'


def upgrade() -> None:
    op.add_column('statement', sa.Column('revision', sa.Integer(), nullable=True))
    with triggers_set_aside():
        with op.batch_alter_table('amendment', schema=None) as batch_op:
            batch_op.add_column(sa.Column('statement_key', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('change', JSON, nullable=True))
            batch_op.add_column(sa.Column('before', JSON, nullable=True))
            batch_op.add_column(sa.Column('after', JSON, nullable=True))
            batch_op.add_column(sa.Column('diff', sa.Text(), nullable=True))
            batch_op.drop_constraint(batch_op.f('ck_amendment_amendment_action'), type_='check')
            batch_op.create_check_constraint('amendment_action', _actions(NEW_ACTIONS))


def downgrade() -> None:
    """Back to 0005; refused (by the restored CHECK) while an amendment uses a new action."""
    with triggers_set_aside():
        with op.batch_alter_table('amendment', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_amendment_amendment_action'), type_='check')
            batch_op.create_check_constraint('amendment_action', _actions(OLD_ACTIONS))
            for column in ('diff', 'after', 'before', 'change', 'statement_key'):
                batch_op.drop_column(column)
        with op.batch_alter_table('statement', schema=None) as batch_op:
            batch_op.drop_column('revision')
