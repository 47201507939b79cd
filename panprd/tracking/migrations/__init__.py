"""Alembic migrations of the ledger, shipped inside the package (run by `python -m panprd db upgrade`)."""
