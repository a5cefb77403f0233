"""rating_tally: counts of ratings per item and score, without who gave them

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 12:00:00+00:00

For sources that publish only counts (a Polis export with an empty votes.csv carries
per-comment `agrees` and `disagrees` in comments.csv). A new table only: no existing table is
altered, so no immutability trigger needs re-creating.

"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import GUID, DateTimeUTC

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rating_tally',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('round_id', GUID(), nullable=False),
    sa.Column('item_external_id', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('unrecorded', sa.String(length=200), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_rating_tally_count_not_negative')),
    sa.ForeignKeyConstraint(['round_id', 'item_external_id'], ['rating_item.round_id', 'rating_item.external_id'], name=op.f('fk_rating_tally_round_id_item_external_id_rating_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_rating_tally_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_tally')),
    sa.UniqueConstraint('round_id', 'item_external_id', 'score', name=op.f('uq_rating_tally_round_id_item_external_id_score'))
    )


def downgrade() -> None:
    op.drop_table('rating_tally')
