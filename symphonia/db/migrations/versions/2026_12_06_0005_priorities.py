"""priorities: prioritisation studies (setup, candidate items, criterion scores)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:00:00+00:00

Issue 13. New tables only (no existing table is altered, so no immutability trigger needs
re-creating): priority_setup (one per prioritisation study: criteria, weights and rule as
JSON, locked with the protocol), priority_item (the candidate items of a study, from its
items file or promoted from round-1 action fragments) and priority_score (one rater's score
of one item on one criterion in one round; NULL score = "cannot judge").
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import DateTimeUTC
from advanced_alchemy.types import GUID
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('priority_item',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('study_id', GUID(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('fragment_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('origin', sa.Enum('file', 'fragment', name='item_origin', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_priority_item_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_item')),
    sa.UniqueConstraint('study_id', 'external_id', name=op.f('uq_priority_item_study_id_external_id'))
    )
    op.create_table('priority_setup',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('study_id', GUID(), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_priority_setup_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_setup')),
    sa.UniqueConstraint('study_id', name=op.f('uq_priority_setup_study_id'))
    )
    op.create_table('priority_score',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('round_id', GUID(), nullable=False),
    sa.Column('item_id', GUID(), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=False),
    sa.Column('rater_id', GUID(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['priority_item.id'], name=op.f('fk_priority_score_item_id_priority_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['participant.id'], name=op.f('fk_priority_score_rater_id_participant')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_priority_score_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_priority_score')),
    sa.UniqueConstraint('round_id', 'item_id', 'criterion', 'rater_id', name=op.f('uq_priority_score_round_id_item_id_criterion_rater_id'))
    )
    op.create_index(op.f('ix_priority_score_item_id'), 'priority_score', ['item_id'], unique=False)
    op.create_index(op.f('ix_priority_score_rater_id'), 'priority_score', ['rater_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_priority_score_rater_id'), table_name='priority_score')
    op.drop_index(op.f('ix_priority_score_item_id'), table_name='priority_score')
    op.drop_table('priority_score')
    op.drop_table('priority_setup')
    op.drop_table('priority_item')
