"""people and jobs: accounts, study roles, sign-in links, API tokens; who acted; runs as jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 11:13:44.422778+00:00

- `account` and `study_membership` (staff and their role per study); `sign_in_link` and
  `api_token` (hashed secrets for participants and accounts); `participant.email` and
  `auth_epoch`, `account.auth_epoch`.
- `audit_event.actor_kind` / `actor_id` beside the label (NULL for events recorded before).
- `created_by_id`, `approved_by_id` (synthesis_version), `editor_id` (amendment, now
  nullable: the operator has no account) and `published_by_id` (publication) reference
  `account` instead of `participant`: staff act on drafts.
- `analysis_run` becomes a job: options, progress, requester, started/heartbeat times,
  attempts and worker; `embedding_model` and `input_hash` are unknown while it is pending.
- Fragments from the web: `fragment.idempotency_key` (unique per author and round),
  `fragment_withdrawal` (append-only, with its triggers) and `fragment_draft` (autosave).

SQLite: changing a foreign key or a NOT NULL means copying the table (batch mode), and
copying drops the table's triggers; renaming the copy also fails while another table's
trigger names the table being copied. So on SQLite every trigger is set aside first and put
back, exactly as it was found, at the end (whatever migrations before this one made them).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from advanced_alchemy.types import DateTimeUTC, GUID
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
ONE_HOLDER = '(participant_id IS NULL) <> (account_id IS NULL)'


@contextmanager
def triggers_set_aside(*pg_tables: str) -> Iterator[None]:
    """On SQLite, drop every trigger and re-create each from its stored SQL afterwards; on
    PostgreSQL (where altering a table keeps its triggers), disable the user triggers of
    `pg_tables` only, for a downgrade that must clear a column of an append-only table."""
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        for table in pg_tables:
            op.execute(f'ALTER TABLE {table} DISABLE TRIGGER USER')
        yield
        for table in pg_tables:
            op.execute(f'ALTER TABLE {table} ENABLE TRIGGER USER')
        return
    rows = bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).all()
    for name, _sql in rows:
        op.execute(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in rows:
        op.execute(sql)


def _holder_columns() -> list[sa.Column[uuid.UUID]]:
    return [
        sa.Column('participant_id', GUID(), nullable=True),
        sa.Column('account_id', GUID(), nullable=True),
    ]


def _holder_constraints(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.CheckConstraint(ONE_HOLDER, name=op.f(f'ck_{table}_one_holder')),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f(f'fk_{table}_account_id_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f(f'fk_{table}_participant_id_participant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('token_hash', name=op.f(f'uq_{table}_token_hash')),
    ]


def _holder_indexes(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{table}_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_participant_id'), ['participant_id'], unique=False)


WITHDRAWAL_TRIGGERS = {
    'sqlite': [
        f"CREATE TRIGGER trg_fragment_withdrawal_no_{op_name.lower()} BEFORE {op_name}"
        " ON fragment_withdrawal FOR EACH ROW BEGIN SELECT RAISE(ABORT,"
        f" 'symphonia:immutable: {op_name} on fragment_withdrawal refused'); END"
        for op_name in ('UPDATE', 'DELETE')
    ],
    'postgresql': [
        "CREATE TRIGGER trg_fragment_withdrawal_no_change BEFORE UPDATE OR DELETE"
        " ON fragment_withdrawal FOR EACH ROW EXECUTE FUNCTION symphonia_refuse_change()",
        "CREATE TRIGGER trg_fragment_withdrawal_no_truncate BEFORE TRUNCATE"
        " ON fragment_withdrawal FOR EACH STATEMENT EXECUTE FUNCTION symphonia_refuse_change()",
    ],
}
"""Withdrawals are append-only, as fragments are (symphonia_refuse_change comes from 0001)."""


def _fragments_from_the_web() -> None:
    with op.batch_alter_table('fragment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_fragment_author_id_round_id_idempotency_key'), ['author_id', 'round_id', 'idempotency_key'], unique=True)
    op.create_table('fragment_withdrawal',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('fragment_id', GUID(), nullable=False),
    sa.Column('participant_id', GUID(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fragment_id'], ['fragment.id'], name=op.f('fk_fragment_withdrawal_fragment_id_fragment')),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_fragment_withdrawal_participant_id_participant')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fragment_withdrawal')),
    sa.UniqueConstraint('fragment_id', name=op.f('uq_fragment_withdrawal_fragment_id'))
    )
    op.create_table('fragment_draft',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('participant_id', GUID(), nullable=False),
    sa.Column('round_id', GUID(), nullable=False),
    sa.Column('draft_key', sa.String(length=64), nullable=False),
    sa.Column('content', JSON, nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_fragment_draft_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_fragment_draft_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fragment_draft')),
    sa.UniqueConstraint('participant_id', 'round_id', 'draft_key', name=op.f('uq_fragment_draft_participant_id_round_id_draft_key'))
    )
    with op.batch_alter_table('fragment_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fragment_draft_participant_id'), ['participant_id'], unique=False)
    for statement in WITHDRAWAL_TRIGGERS[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('may_create_studies', sa.Boolean(), nullable=False),
    sa.Column('auth_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('email', name=op.f('uq_account_email'))
    )
    op.create_table('study_membership',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('account_id', GUID(), nullable=False),
    sa.Column('study_id', GUID(), nullable=False),
    sa.Column('role', sa.Enum('facilitator', 'editor', 'reader', name='membership_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_study_membership_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_membership_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_study_membership')),
    sa.UniqueConstraint('account_id', 'study_id', name=op.f('uq_study_membership_account_id_study_id'))
    )
    with op.batch_alter_table('study_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_study_membership_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_study_membership_study_id'), ['study_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    *_holder_columns(),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('revoked_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('last_used_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    *_holder_constraints('api_token'),
    )
    _holder_indexes('api_token')
    op.create_table('sign_in_link',
    sa.Column('id', GUID(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    *_holder_columns(),
    sa.Column('purpose', sa.Enum('invitation', 'sign_in', name='link_purpose', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('expires_at', DateTimeUTC(timezone=True), nullable=False),
    sa.Column('used_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('revoked_at', DateTimeUTC(timezone=True), nullable=True),
    sa.Column('created_at', DateTimeUTC(timezone=True), nullable=False),
    *_holder_constraints('sign_in_link'),
    )
    _holder_indexes('sign_in_link')

    # New NOT NULL columns arrive nullable, are filled, then made NOT NULL.
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options', JSON, nullable=True))
        batch_op.add_column(sa.Column('progress', JSON, nullable=True))
        batch_op.add_column(sa.Column('requested_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('requested_by_id', GUID(), nullable=True))
        batch_op.add_column(sa.Column('started_at', DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', DateTimeUTC(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=200), nullable=True))
    op.execute("UPDATE analysis_run SET options = '{}', progress = '{}', attempts = 1")
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('auth_epoch', sa.Integer(), nullable=True))
    op.execute('UPDATE participant SET auth_epoch = 0')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('actor_id', GUID(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_actor_id'), ['actor_id'], unique=False)

    with triggers_set_aside():
        with op.batch_alter_table('analysis_run', schema=None) as batch_op:
            for name in ('options', 'progress'):
                batch_op.alter_column(name, existing_type=JSON, nullable=False)
            batch_op.alter_column('attempts', existing_type=sa.Integer(), nullable=False)
            batch_op.alter_column('embedding_model', existing_type=sa.VARCHAR(length=200), nullable=True)
            batch_op.alter_column('input_hash', existing_type=sa.VARCHAR(length=128), nullable=True)
            batch_op.create_index(batch_op.f('ix_analysis_run_status_created_at'), ['status', 'created_at'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_analysis_run_requested_by_id_account'), 'account', ['requested_by_id'], ['id'])
        with op.batch_alter_table('participant', schema=None) as batch_op:
            batch_op.alter_column('auth_epoch', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f('ix_participant_study_id_email'), ['study_id', 'email'], unique=True)
        with op.batch_alter_table('amendment', schema=None) as batch_op:
            batch_op.alter_column('editor_id', existing_type=GUID(), nullable=True)
            batch_op.drop_constraint(batch_op.f('fk_amendment_editor_id_participant'), type_='foreignkey')
            batch_op.create_foreign_key(batch_op.f('fk_amendment_editor_id_account'), 'account', ['editor_id'], ['id'])
        with op.batch_alter_table('publication', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_publication_published_by_id_participant'), type_='foreignkey')
            batch_op.create_foreign_key(batch_op.f('fk_publication_published_by_id_account'), 'account', ['published_by_id'], ['id'])
        with op.batch_alter_table('synthesis_version', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_synthesis_version_created_by_id_participant'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f('fk_synthesis_version_approved_by_id_participant'), type_='foreignkey')
            batch_op.create_foreign_key(batch_op.f('fk_synthesis_version_approved_by_id_account'), 'account', ['approved_by_id'], ['id'])
            batch_op.create_foreign_key(batch_op.f('fk_synthesis_version_created_by_id_account'), 'account', ['created_by_id'], ['id'])
    _fragments_from_the_web()


def downgrade() -> None:
    """Back to 0001. Accounts, links and tokens are dropped; references to accounts are
    cleared (they cannot point at participants); an amendment made without an account
    stops the downgrade, since 0001 requires an editor participant. Withdrawals and drafts
    are dropped (the fragments stay)."""
    op.drop_table('fragment_draft')
    op.drop_table('fragment_withdrawal')
    with triggers_set_aside('synthesis_version', 'publication'):
        # Dropping a column copies the table on SQLite, which would drop fragment's own
        # append-only triggers: inside, they are set aside and put back with the others.
        with op.batch_alter_table('fragment', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_fragment_author_id_round_id_idempotency_key'))
            batch_op.drop_column('idempotency_key')
        with op.batch_alter_table('synthesis_version', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_synthesis_version_created_by_id_account'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f('fk_synthesis_version_approved_by_id_account'), type_='foreignkey')
        with op.batch_alter_table('publication', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_publication_published_by_id_account'), type_='foreignkey')
        with op.batch_alter_table('amendment', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_amendment_editor_id_account'), type_='foreignkey')
        op.execute('UPDATE synthesis_version SET created_by_id = NULL, approved_by_id = NULL')
        op.execute('UPDATE publication SET published_by_id = NULL')
        with op.batch_alter_table('synthesis_version', schema=None) as batch_op:
            batch_op.create_foreign_key(batch_op.f('fk_synthesis_version_approved_by_id_participant'), 'participant', ['approved_by_id'], ['id'])
            batch_op.create_foreign_key(batch_op.f('fk_synthesis_version_created_by_id_participant'), 'participant', ['created_by_id'], ['id'])
        with op.batch_alter_table('publication', schema=None) as batch_op:
            batch_op.create_foreign_key(batch_op.f('fk_publication_published_by_id_participant'), 'participant', ['published_by_id'], ['id'])
        with op.batch_alter_table('amendment', schema=None) as batch_op:
            batch_op.create_foreign_key(batch_op.f('fk_amendment_editor_id_participant'), 'participant', ['editor_id'], ['id'])
            batch_op.alter_column('editor_id', existing_type=GUID(), nullable=False)
        with op.batch_alter_table('participant', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_participant_study_id_email'))
            batch_op.drop_column('auth_epoch')
            batch_op.drop_column('email')
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.drop_index(batch_op.f('ix_audit_event_actor_id'))
            batch_op.drop_column('actor_id')
            batch_op.drop_column('actor_kind')
        op.execute("UPDATE analysis_run SET embedding_model = '' WHERE embedding_model IS NULL")
        op.execute("UPDATE analysis_run SET input_hash = '' WHERE input_hash IS NULL")
        with op.batch_alter_table('analysis_run', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_analysis_run_requested_by_id_account'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_analysis_run_status_created_at'))
            batch_op.alter_column('input_hash', existing_type=sa.VARCHAR(length=128), nullable=False)
            batch_op.alter_column('embedding_model', existing_type=sa.VARCHAR(length=200), nullable=False)
            for name in ('worker', 'attempts', 'heartbeat_at', 'started_at', 'requested_by_id',
                         'requested_by', 'progress', 'options'):
                batch_op.drop_column(name)
    for table in ('sign_in_link', 'api_token'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_participant_id'))
            batch_op.drop_index(batch_op.f(f'ix_{table}_account_id'))
        op.drop_table(table)
    with op.batch_alter_table('study_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_study_membership_study_id'))
        batch_op.drop_index(batch_op.f('ix_study_membership_account_id'))
    op.drop_table('study_membership')
    op.drop_table('account')
