"""The ledger's tables (SQLAlchemy Core), written for SQLite now and PostgreSQL next.

Portable choices: timestamps are UTC ISO-8601 strings of one fixed width (so they sort as text
and round-trip exactly through an export), dates are ISO `YYYY-MM-DD` strings, booleans are
SQLAlchemy Booleans, and the only constraints relied on are primary, unique and foreign keys.
History tables (reports, reviews, plan_changes) are append-only: nothing updates or deletes them.
The migration in `migrations/versions/` creates exactly these tables; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

TIMESTAMP = String(27)  # 2026-11-28T07:58:21.123456Z
DATE = String(10)
UNIT = String(100)

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # reporter | office
    Column("password_hash", String(255)),  # None: no password set (e.g. after a restore)
    Column("active", Boolean, nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("deactivated_at", TIMESTAMP),
)

account_units = Table(
    "account_units", metadata,
    Column("account_id", Integer, ForeignKey("accounts.id"), primary_key=True),
    Column("unit", UNIT, primary_key=True),
)

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("measure_id", String(16), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("as_of", DATE, nullable=False),
    Column("note", Text, nullable=False),
    Column("evidence", String(500), nullable=False),
    Column("unit", UNIT, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("on_behalf", Boolean, nullable=False),  # 代报: the office reported for `unit`
    Column("created_at", TIMESTAMP, nullable=False),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, unique=True),
    Column("decision", String(16), nullable=False),  # confirmed | returned
    Column("reason", Text, nullable=False),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
)

# Due date (时间节点) and lead reassignment per action; version n+1 may only follow version n.
plan_changes = Table(
    "plan_changes", metadata,
    Column("id", Integer, primary_key=True),
    Column("measure_id", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("due", DATE),
    Column("lead", UNIT),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    UniqueConstraint("measure_id", "version", name="uq_plan_changes_measure_version"),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the cookie's token
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
    Column("created_at", TIMESTAMP, nullable=False),
    Column("expires_at", TIMESTAMP, nullable=False),
    Column("revoked_at", TIMESTAMP),
)

sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), nullable=False, index=True),
    Column("at", TIMESTAMP, nullable=False),
)
