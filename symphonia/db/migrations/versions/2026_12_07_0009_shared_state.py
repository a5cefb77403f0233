"""shared state: what several web processes and workers share through the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 09:00:00+00:00

Issue 14 (scale-out). New tables only, no existing table altered (so no immutability trigger
needs re-creating, and the migration is independent of 0007 and 0008):

- shared_store: Litestar store entries (rate-limit counters) keyed by (namespace, key), so
  limits count across web processes (symphonia.web.stores); UNLOGGED on PostgreSQL;
- mailing: a batch of invitations or reminders, who started it and how it ended;
- mail_delivery: one message of a batch with its sent state and the attempt that claimed it,
  so a retried or resumed mailing job never sends a message twice (symphonia.jobs.mailings);
- report_export: a report rendered by a job into the data dir, downloadable when done
  (symphonia.jobs.report_exports).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import DateTimeUTC
from advanced_alchemy.types import GUID
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shared_store',
    sa.Column('namespace', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('namespace', 'key', name=op.f('pk_shared_store'))
    )
    with op.batch_alter_table('shared_store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shared_store_expires_at'), ['expires_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # Counters only: no write-ahead log for them (a crash empties the table, which
        # resets rate limits and loses nothing else); each upsert then costs no WAL flush.
        op.execute('ALTER TABLE shared_store SET UNLOGGED')

    op.create_table('mailing',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('study_id', GUID(), nullable=False),
    sa.Column('kind', sa.Enum('invitation', 'reminder', name='mail_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('round_number', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('sending', 'finished', 'stopped', name='mailing_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('skipped', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_by_kind', sa.String(length=32), nullable=False),
    sa.Column('requested_by_id', GUID(), nullable=True),
    sa.Column('finished_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_mailing_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing'))
    )
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_study_id_created_at'), ['study_id', 'created_at'], unique=False)

    op.create_table('mail_delivery',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('mailing_id', GUID(), nullable=False),
    sa.Column('participant_id', GUID(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'failed', 'not_sent', 'uncertain', name='delivery_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('link_id', GUID(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailing.id'], name=op.f('fk_mail_delivery_mailing_id_mailing'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_mail_delivery_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_delivery')),
    sa.UniqueConstraint('mailing_id', 'participant_id', name=op.f('uq_mail_delivery_mailing_id_participant_id'))
    )
    with op.batch_alter_table('mail_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_delivery_mailing_id_position'), ['mailing_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_delivery_participant_id'), ['participant_id'], unique=False)


    op.create_table('report_export',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('study_id', GUID(), nullable=False),
    sa.Column('round_number', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'running', 'succeeded', 'failed', name='export_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_by_kind', sa.String(length=32), nullable=False),
    sa.Column('requested_by_id', GUID(), nullable=True),
    sa.Column('finished_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_report_export_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_export'))
    )
    with op.batch_alter_table('report_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_export_status_created_at'), ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_export_study_id'), ['study_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_export', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_export_study_id'))
        batch_op.drop_index(batch_op.f('ix_report_export_status_created_at'))

    op.drop_table('report_export')
    with op.batch_alter_table('mail_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_delivery_participant_id'))
        batch_op.drop_index(batch_op.f('ix_mail_delivery_mailing_id_position'))

    op.drop_table('mail_delivery')
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_study_id_created_at'))

    op.drop_table('mailing')
    with op.batch_alter_table('shared_store', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shared_store_expires_at'))

    op.drop_table('shared_store')
