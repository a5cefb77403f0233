"""frozen versions: stored synthesis versions are never rewritten; REPLACE cannot delete

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:00:00+00:00

Two holes in the 0001 triggers, closed here on SQLite and PostgreSQL:

1. Versions. 0001 froze a synthesis version only once published, and no command published
   one, so every stored version could be edited or deleted. Now a version's statements and
   citations are frozen from the moment they are stored, and of the version's own columns
   only approved_at, approved_by_id and published_at may change, each from NULL to a value,
   once. "Stored" is made visible to the database by two counts written with the rows:
   synthesis_version.statement_count and statement.citation_count; a statement (citation)
   past its version's (statement's) count is refused, so nothing can be added later.
2. REPLACE. On SQLite, INSERT OR REPLACE / REPLACE INTO deletes a row whose key it
   conflicts with without firing DELETE triggers (unless recursive_triggers is on, which a
   raw connection does not set). BEFORE INSERT triggers on every frozen table now refuse an
   insert whose key (the id, a unique column set, or the rowid) already exists, so REPLACE
   aborts before it deletes anything. Their message starts with "symphonia:key-exists", not
   the immutable marker: SQLite raises them as an IntegrityError, as the unique index would
   for a plain duplicate insert. PostgreSQL has no REPLACE; its INSERT ... ON CONFLICT DO
   UPDATE fires the UPDATE triggers, which refuse.

The append-only tables 0002 added (fragment_withdrawal, with its own UPDATE and DELETE
triggers, left as they are) get the same REPLACE guard, and so does 0002's unique key on
fragment (author, round, idempotency key).

SQLite: the new columns are added in batch mode (a table copy, which drops that table's
triggers, and whose rename fails while another table's trigger names the copied table); so
0001's triggers, the only ones on or naming synthesis_version and statement, are dropped
first and the new set created afterwards. 0002's fragment_withdrawal triggers name neither
table and stay. A later migration that batch-alters one of these tables must set every
trigger aside and restore it, as 0002 does.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here, on purpose, rather than imported: a migration must not change after release.

APPEND_ONLY = ("fragment", "amendment", "publication", "audit_event")
KEYS = {
    "fragment": (("id",), ("round_id", "external_id"), ("author_id", "round_id", "idempotency_key")),
    "fragment_withdrawal": (("id",), ("fragment_id",)),
    "amendment": (("id",),),
    "publication": (("id",), ("version_id",)),
    "audit_event": (("id",),),
    "synthesis_version": (("id",), ("round_id", "number")),
    "statement": (("id",), ("version_id", "key")),
    "citation": (("id",), ("statement_id", "fragment_id")),
}
"""Every key an insert into a frozen table may collide with (the rowid too, on SQLite)."""
APPROVAL = ("approved_at", "approved_by_id", "published_at")
VERSION_FIXED = (
    "id", "round_id", "run_id", "parent_id", "number", "origin", "drafter", "ledger",
    "created_by_id", "created_at", "statement_count",
)
STATEMENT_FULL = (
    "(SELECT count(*) FROM statement WHERE version_id = NEW.version_id)"
    " >= (SELECT statement_count FROM synthesis_version WHERE id = NEW.version_id)"
)
CITATION_FULL = (
    "(SELECT count(*) FROM citation WHERE statement_id = NEW.statement_id)"
    " >= (SELECT citation_count FROM statement WHERE id = NEW.statement_id)"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for ddl in _drop_0001_sqlite() if sqlite else _drop_0001_pg():
        op.execute(ddl)
    _add_count("synthesis_version", "statement_count", "statement", "version_id")
    _add_count("statement", "citation_count", "citation", "statement_id")
    for ddl in _sqlite_triggers() if sqlite else _pg_triggers():
        op.execute(ddl)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for ddl in _drop_sqlite() if sqlite else _drop_pg():
        op.execute(ddl)
    for table, column in (("statement", "citation_count"), ("synthesis_version", "statement_count")):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_{column}_positive"), type_="check")
            batch.drop_column(column)
    for ddl in _restore_0001_sqlite() if sqlite else _restore_0001_pg():
        op.execute(ddl)


def _add_count(table: str, column: str, child: str, parent_key: str) -> None:
    """A NOT NULL count column, filled with what each row holds today, without a default."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        f"UPDATE {table} SET {column} = "
        f"(SELECT count(*) FROM {child} WHERE {child}.{parent_key} = {table}.id)"
    )
    with op.batch_alter_table(table) as batch:
        batch.alter_column(column, server_default=None)
        batch.create_check_constraint(f"{column}_positive", f"{column} >= 0")


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_trigger(name: str, when: str, table: str, condition: str | None,
                    marker: str = "immutable", detail: str = "") -> str:
    operation = when.split()[-1]
    message = f"symphonia:{marker}: {operation} on {table} refused{detail}"
    where = f" WHEN {condition}" if condition else ""
    return (
        f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW{where} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


def _key_exists(table: str) -> str:
    keys = " OR ".join(
        "(" + " AND ".join(f"{c} = NEW.{c}" for c in key) + ")" for key in KEYS[table]
    )
    return f"EXISTS (SELECT 1 FROM {table} WHERE rowid = NEW.rowid OR {keys})"


def _sqlite_triggers() -> list[str]:
    ddl = []
    for table in (*APPEND_ONLY, "statement", "citation"):
        ddl.append(_sqlite_trigger(f"trg_{table}_no_update", "BEFORE UPDATE", table, None))
        ddl.append(_sqlite_trigger(f"trg_{table}_no_delete", "BEFORE DELETE", table, None))
    for table in KEYS:
        ddl.append(_sqlite_trigger(
            f"trg_{table}_key_exists", "BEFORE INSERT", table, _key_exists(table), "key-exists",
            ": a row with this key exists (INSERT OR REPLACE would delete it)",
        ))
    ddl.append(_sqlite_trigger("trg_statement_past_count", "BEFORE INSERT", "statement",
                               STATEMENT_FULL, detail=": its version is stored whole"))
    ddl.append(_sqlite_trigger("trg_citation_past_count", "BEFORE INSERT", "citation",
                               CITATION_FULL, detail=": its statement is stored whole"))
    changed = [f"NEW.{c} IS NOT OLD.{c}" for c in VERSION_FIXED]
    changed += [f"(OLD.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in APPROVAL]
    ddl.append(_sqlite_trigger("trg_synthesis_version_no_update", "BEFORE UPDATE",
                               "synthesis_version", " OR ".join(changed),
                               detail=": only approval and publication, once each"))
    ddl.append(_sqlite_trigger("trg_synthesis_version_no_delete", "BEFORE DELETE",
                               "synthesis_version", None))
    return ddl


_SQLITE_0001 = [f"trg_{t}_{s}" for t in APPEND_ONLY for s in ("no_update", "no_delete")] + [
    f"trg_{t}_{s}"
    for t, suffixes in (
        ("synthesis_version", ("no_update", "no_delete")),
        ("statement", ("no_insert", "no_update", "no_delete")),
        ("citation", ("no_insert", "no_update", "no_delete")),
    )
    for s in suffixes
]


def _drop_0001_sqlite() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in _SQLITE_0001]


def _drop_sqlite() -> list[str]:
    names = [f"trg_{t}_{s}" for t in (*APPEND_ONLY, "statement", "citation")
             for s in ("no_update", "no_delete")]
    names += [f"trg_{t}_key_exists" for t in KEYS]
    names += ["trg_statement_past_count", "trg_citation_past_count",
              "trg_synthesis_version_no_update", "trg_synthesis_version_no_delete"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


_PUBLISHED_VERSION = "(SELECT published_at FROM synthesis_version WHERE id = {}) IS NOT NULL"
_STATEMENT_PUBLISHED = (
    "(SELECT v.published_at FROM statement s JOIN synthesis_version v ON v.id = s.version_id"
    " WHERE s.id = {}) IS NOT NULL"
)


def _restore_0001_sqlite() -> list[str]:
    """0001's triggers, as 0001 made them (the append-only tables' are still there)."""
    ddl = [_sqlite_trigger(f"trg_{t}_{s}", f"BEFORE {s[3:].upper()}", t, None)
           for t in APPEND_ONLY for s in ("no_update", "no_delete")]
    published_old = "OLD.published_at IS NOT NULL"
    ddl.append(_sqlite_trigger("trg_synthesis_version_no_update", "BEFORE UPDATE",
                               "synthesis_version", published_old))
    ddl.append(_sqlite_trigger("trg_synthesis_version_no_delete", "BEFORE DELETE",
                               "synthesis_version", published_old))
    for table, check in (("statement", _PUBLISHED_VERSION.format("{}.version_id")),
                         ("citation", _STATEMENT_PUBLISHED.format("{}.statement_id"))):
        old, new = check.format("OLD"), check.format("NEW")
        ddl.append(_sqlite_trigger(f"trg_{table}_no_insert", "BEFORE INSERT", table, new))
        ddl.append(_sqlite_trigger(f"trg_{table}_no_update", "BEFORE UPDATE", table,
                                   f"{old} OR {new}"))
        ddl.append(_sqlite_trigger(f"trg_{table}_no_delete", "BEFORE DELETE", table, old))
    return ddl


# --- PostgreSQL -------------------------------------------------------------------------

_PG_RAISE = (
    "RAISE EXCEPTION 'symphonia:immutable: % on % refused', TG_OP, TG_TABLE_NAME"
    " USING ERRCODE = 'integrity_constraint_violation';"
)
_WITHOUT_APPROVAL = " - ".join(["{}", *(f"'{c}'" for c in APPROVAL)])
_VERSION_CHANGED = (
    f"({_WITHOUT_APPROVAL.format('to_jsonb(NEW)')}) IS DISTINCT FROM "
    f"({_WITHOUT_APPROVAL.format('to_jsonb(OLD)')})"
    + "".join(f" OR (OLD.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in APPROVAL)
)
_PG_FUNCTIONS = {
    "symphonia_refuse_version_change": f"""
BEGIN
  IF TG_OP = 'DELETE' THEN {_PG_RAISE} END IF;
  IF {_VERSION_CHANGED} THEN {_PG_RAISE} END IF;
  RETURN NEW;
END;""",
    "symphonia_refuse_statement_past_count": f"""
BEGIN
  IF {STATEMENT_FULL} THEN {_PG_RAISE} END IF;
  RETURN NEW;
END;""",
    "symphonia_refuse_citation_past_count": f"""
BEGIN
  IF {CITATION_FULL} THEN {_PG_RAISE} END IF;
  RETURN NEW;
END;""",
}


def _pg_triggers() -> list[str]:
    ddl = [
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn${body}$fn$"
        for name, body in _PG_FUNCTIONS.items()
    ]
    ddl.append("CREATE TRIGGER trg_synthesis_version_frozen BEFORE UPDATE OR DELETE"
               " ON synthesis_version FOR EACH ROW"
               " EXECUTE FUNCTION symphonia_refuse_version_change()")
    ddl.append("CREATE TRIGGER trg_synthesis_version_no_truncate BEFORE TRUNCATE"
               " ON synthesis_version FOR EACH STATEMENT"
               " EXECUTE FUNCTION symphonia_refuse_change()")
    for table in ("statement", "citation"):
        ddl.append(f"CREATE TRIGGER trg_{table}_no_change BEFORE UPDATE OR DELETE ON {table}"
                   " FOR EACH ROW EXECUTE FUNCTION symphonia_refuse_change()")
        ddl.append(f"CREATE TRIGGER trg_{table}_no_truncate BEFORE TRUNCATE ON {table}"
                   " FOR EACH STATEMENT EXECUTE FUNCTION symphonia_refuse_change()")
        ddl.append(f"CREATE TRIGGER trg_{table}_past_count BEFORE INSERT ON {table}"
                   f" FOR EACH ROW EXECUTE FUNCTION symphonia_refuse_{table}_past_count()")
    return ddl


def _drop_0001_pg() -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS trg_synthesis_version_no_change ON synthesis_version",
        "DROP TRIGGER IF EXISTS trg_statement_published ON statement",
        "DROP TRIGGER IF EXISTS trg_citation_published ON citation",
        "DROP FUNCTION IF EXISTS symphonia_refuse_published_statement()",
        "DROP FUNCTION IF EXISTS symphonia_refuse_published_citation()",
    ]


def _drop_pg() -> list[str]:
    ddl = [
        "DROP TRIGGER IF EXISTS trg_synthesis_version_frozen ON synthesis_version",
        "DROP TRIGGER IF EXISTS trg_synthesis_version_no_truncate ON synthesis_version",
    ]
    for table in ("statement", "citation"):
        ddl += [f"DROP TRIGGER IF EXISTS trg_{table}_{suffix} ON {table}"
                for suffix in ("no_change", "no_truncate", "past_count")]
    return ddl + [f"DROP FUNCTION IF EXISTS {name}()" for name in _PG_FUNCTIONS]


def _restore_0001_pg() -> list[str]:
    """0001's triggers on versions, statements and citations, as 0001 made them."""
    bodies = {
        "statement": ("version_id", _PUBLISHED_VERSION),
        "citation": ("statement_id", _STATEMENT_PUBLISHED),
    }
    ddl = []
    for table, (column, check) in bodies.items():
        body = f"""
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF {check.format(f"OLD.{column}")} THEN {_PG_RAISE} END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF {check.format(f"NEW.{column}")} THEN {_PG_RAISE} END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END;"""
        ddl.append(f"CREATE FUNCTION symphonia_refuse_published_{table}() RETURNS trigger"
                   f" LANGUAGE plpgsql AS $fn${body}$fn$")
        ddl.append(f"CREATE TRIGGER trg_{table}_published BEFORE INSERT OR UPDATE OR DELETE"
                   f" ON {table} FOR EACH ROW"
                   f" EXECUTE FUNCTION symphonia_refuse_published_{table}()")
    ddl.append("CREATE TRIGGER trg_synthesis_version_no_change BEFORE UPDATE OR DELETE"
               " ON synthesis_version FOR EACH ROW WHEN (OLD.published_at IS NOT NULL)"
               " EXECUTE FUNCTION symphonia_refuse_change()")
    return ddl
