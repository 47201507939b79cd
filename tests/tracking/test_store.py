"""The database: created on first use, WAL, concurrent writers, and clear errors when it cannot be used."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import UniqueConstraint, inspect

from panprd.tracking import ledger, schema, status, store
from panprd.tracking.ledger import submit_report

from .conftest import NOW, sqlite_only


@sqlite_only
def test_a_missing_database_file_is_created_with_its_tables(tmp_path, monkeypatch):
    path = tmp_path / "var" / "deeper" / "tracking.db"
    monkeypatch.setenv("PANPRD_DB_URL", f"sqlite:///{path}")
    engine = store.open_store()
    assert path.exists()
    assert store.current_revision(engine) == store.head_revision()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_default_database_is_var_tracking_db(monkeypatch):
    monkeypatch.delenv("PANPRD_DB_URL", raising=False)
    assert store.database_url() == f"sqlite:///{store.APP_DIR / 'var' / 'tracking.db'}"


def test_the_migration_creates_exactly_the_schema_module(engine):
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), schema.metadata)
    assert diff == []


def test_the_migration_creates_the_unique_keys_the_rules_rely_on(engine):
    """compare_metadata does not see unique constraints on SQLite: compare them directly."""
    def declared(table) -> set[frozenset[str]]:
        keys = {frozenset(c.name for c in con.columns) for con in table.constraints
                if isinstance(con, UniqueConstraint)}
        return keys | {frozenset([c.name]) for c in table.columns if c.unique}

    reflected = inspect(engine)
    for table in schema.metadata.tables.values():
        found = {frozenset(u["column_names"]) for u in reflected.get_unique_constraints(table.name)}
        found |= {frozenset(i["column_names"]) for i in reflected.get_indexes(table.name) if i["unique"]}
        assert found == declared(table), table.name
    assert frozenset(["measure_id", "version"]) in declared(schema.plan_changes)
    assert frozenset(["report_id"]) in declared(schema.reviews)


@sqlite_only
def test_a_write_transaction_holds_the_write_lock_from_its_start(engine):
    """BEGIN IMMEDIATE: a transaction that reads before it writes queues behind other writers instead of
    failing when it tries to upgrade its lock."""
    other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        with store.writing(engine) as connection:
            connection.exec_driver_sql("SELECT count(*) FROM reports").scalar()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_ten_threads_reporting_at_once_all_land(engine, actions, people):
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            barrier.wait()
            submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", f"线程 {n}", now=NOW)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    notes = sorted(r.note for r in status.history(engine, actions, "4.1.17", include_private=True))
    assert notes == sorted(f"线程 {n}" for n in range(10))


@sqlite_only
def test_a_locked_database_refuses_writes_with_a_plain_message_and_still_reads(actions, people, engine):
    path = engine.url.database
    impatient = store.open_store(f"sqlite:///{path}", busy_timeout=0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(store.StoreUnavailable, match="locked by another process") as caught:
            submit_report(impatient, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", now=NOW)
        assert "INSERT" not in str(caught.value)
        assert status.action_states(impatient, actions, NOW)["4.1.17"].light == "grey"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    submit_report(impatient, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", now=NOW)


@sqlite_only
def test_a_read_only_database_refuses_writes_and_still_reads(engine, actions, people):
    submit_report(engine, actions, "fgw", "4.1.17", "behind", "2026-10-31", now=NOW)
    engine.dispose()
    read_only = store.open_store(f"sqlite:///file:{engine.url.database}?mode=ro&uri=true")
    with pytest.raises(store.StoreUnavailable, match="read-only"):
        submit_report(read_only, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", now=NOW)
    assert status.action_states(read_only, actions, NOW)["4.1.17"].status == "behind"


@sqlite_only
def test_a_database_that_cannot_be_opened_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(store.StoreUnavailable, match="Cannot create the folder"):
        store.open_store(f"sqlite:///{blocker / 'sub' / 'tracking.db'}")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(store.StoreUnavailable, match="cannot be used"):
        store.open_store(f"sqlite:///{garbage}")


def test_a_database_at_an_older_schema_asks_for_db_upgrade(engine):
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    with pytest.raises(store.StoreUnavailable, match="db upgrade"):
        store.open_store(engine.url.render_as_string(hide_password=False))


def test_last_change_moves_with_reports_reviews_plans_and_the_date(engine, actions, people):
    keys = [store.last_change(engine, NOW)]
    rid = submit_report(engine, actions, "fgw", "4.1.17", "completed", "2026-10-31", evidence="x", now=NOW)
    keys.append(store.last_change(engine, NOW))
    ledger.review_report(engine, "office", rid, "confirmed", now=NOW)
    keys.append(store.last_change(engine, NOW))
    ledger.set_due(engine, actions, "office", "4.1.17", "2027-01-01", 0, now=NOW)
    keys.append(store.last_change(engine, NOW))
    keys.append(store.last_change(engine, NOW.replace(day=29)))
    assert len(set(keys)) == len(keys)
    assert store.last_change(engine, NOW) == keys[3]
