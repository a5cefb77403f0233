"""Storage: SQLAlchemy models, Alembic migrations, engine/session factory, repositories.

Import what you need from the submodules (`symphonia.db.engine`, `symphonia.db.models`,
`symphonia.db.migrate`, `symphonia.db.audit`); this package module stays empty so importing
`symphonia.db.errors` alone does not pull in SQLAlchemy's ORM.
"""
