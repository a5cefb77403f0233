"""flags: panellists flag a statement as misrepresenting them; editors answer each flag

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 12:00:00+00:00

Issue 10 §5. One new table, `statement_flag`: who flagged which stored statement (of which
version and round), their comment, and the editors' answer once given (amended, naming the
amendment, or kept with a reason; who and when). A new table only: no existing row or
trigger is touched, so it sits beside any other migration made from 0006.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from advanced_alchemy.types import GUID, DateTimeUTC

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('statement_flag',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('study_id', GUID(), nullable=False),
    sa.Column('round_id', GUID(), nullable=False),
    sa.Column('version_id', GUID(), nullable=False),
    sa.Column('statement_id', GUID(), nullable=False),
    sa.Column('statement_key', sa.String(length=64), nullable=False),
    sa.Column('participant_id', GUID(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('answer', sa.Enum('amended', 'kept', name='flag_answer', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('answer_reason', sa.Text(), nullable=True),
    sa.Column('amendment_id', GUID(), nullable=True),
    sa.Column('answered_by_id', GUID(), nullable=True),
    sa.Column('answered_by', sa.String(length=200), nullable=True),
    sa.Column('answered_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint('(answer IS NULL) = (answered_at IS NULL)', name=op.f('ck_statement_flag_answer_has_a_moment')),
    sa.CheckConstraint("answer IS NULL OR answer != 'amended' OR amendment_id IS NOT NULL", name=op.f('ck_statement_flag_amended_names_its_amendment')),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_statement_flag_amendment_id_amendment')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['account.id'], name=op.f('fk_statement_flag_answered_by_id_account')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_statement_flag_participant_id_participant')),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_statement_flag_round_id_round')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_flag_statement_id_statement')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_statement_flag_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['synthesis_version.id'], name=op.f('fk_statement_flag_version_id_synthesis_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_flag'))
    )
    op.create_index(op.f('ix_statement_flag_participant_id'), 'statement_flag', ['participant_id'], unique=False)
    op.create_index(op.f('ix_statement_flag_round_id'), 'statement_flag', ['round_id'], unique=False)
    op.create_index(op.f('ix_statement_flag_statement_id'), 'statement_flag', ['statement_id'], unique=False)
    op.create_index(op.f('ix_statement_flag_study_id'), 'statement_flag', ['study_id'], unique=False)


def downgrade() -> None:
    for column in ('study_id', 'statement_id', 'round_id', 'participant_id'):
        op.drop_index(op.f(f'ix_statement_flag_{column}'), table_name='statement_flag')
    op.drop_table('statement_flag')
