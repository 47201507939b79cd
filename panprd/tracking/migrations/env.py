"""Alembic environment: runs on the connection `panprd.tracking.store` hands over.

Use `python -m panprd db upgrade` (and `db revision -m "…"` for a new migration), not the
`alembic` command: the store opens the database with the ledger's own settings first.
"""

from alembic import context

from panprd.tracking import schema

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations through `python -m panprd db upgrade`")
context.configure(connection=connection, target_metadata=schema.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
