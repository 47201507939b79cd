"""Fixtures of the ledger tests: a fresh database per test, a pinned clock, small action sets.

The database is a SQLite file by default. With PANPRD_TEST_PG_URL set to a PostgreSQL server
URL (e.g. `postgresql+psycopg://postgres@/?host=/tmp/pg&port=5432`), the same tests run on a
fresh PostgreSQL database each, and the SQLite-only ones (file locking, WAL) skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from panprd.tracking import accounts, store
from panprd.tracking.units import build_actions

# 2026-11-28 12:00 in Asia/Shanghai.
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
PG_URL = os.environ.get("PANPRD_TEST_PG_URL")
sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite file behaviour (locks, WAL, file paths)")

UNITS = {
    "4.1.17": ["省发改委", "省交通运输厅", "省铁办", "相关设区市人民政府"],
    "2.1.01": ["省经信委", "省商务厅"],
    "6.3.02": ["省文化厅", "省旅游局", "省外办"],
    "9.9.99": ["省交通运输厅"],
}
PLACES = {"4.1.17": ["350300"]}


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """argon2 with its defaults takes most of a second on this shared machine; the rules are the same."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def actions():
    return build_actions(UNITS, PLACES)


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory) -> Iterator[Path | str]:
    """A database at the newest schema, made once; each test gets a copy (migrations take a while)."""
    if PG_URL:
        template = f"panprd_template_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{template}"')
        store.open_store(_pg_database(template)).dispose()
        yield template
        _admin(f'DROP DATABASE "{template}" WITH (FORCE)')
        return
    path = tmp_path_factory.mktemp("template") / "tracking.db"
    store.open_store(f"sqlite:///{path}").dispose()
    yield path


def _pg_database(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _admin(statement: str) -> None:
    admin = create_engine(_pg_database("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(statement)
    admin.dispose()


@pytest.fixture
def make_store(tmp_path, empty_db) -> Iterator[Callable[[], Engine]]:
    """Make another empty database of the backend under test (e.g. to restore into)."""
    made: list[tuple[Engine, str]] = []

    def make() -> Engine:
        if PG_URL:
            name = f"panprd_test_{uuid.uuid4().hex[:12]}"
            _admin(f'CREATE DATABASE "{name}" TEMPLATE "{empty_db}"')
            engine = store.open_store(_pg_database(name))
        else:
            path = tmp_path / f"tracking-{len(made)}.db"
            shutil.copyfile(empty_db, path)
            engine = store.open_store(f"sqlite:///{path}")
            name = str(path)
        made.append((engine, name))
        return engine

    yield make
    for engine, name in made:
        engine.dispose()
        if PG_URL:
            _admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def engine(make_store) -> Engine:
    return make_store()


@pytest.fixture
def people(engine):
    """Accounts: jt (省交通运输厅), fgw (省发改委), sw (省商务厅), office, and a second office account."""
    made = {
        "jt": accounts.add_account(engine, "jt", "reporter", ["省交通运输厅"], PASSWORD, NOW),
        "fgw": accounts.add_account(engine, "fgw", "reporter", ["省发改委"], PASSWORD, NOW),
        "sw": accounts.add_account(engine, "sw", "reporter", ["省商务厅"], PASSWORD, NOW),
        "office": accounts.add_account(engine, "office", "office", [], PASSWORD, NOW),
        "office2": accounts.add_account(engine, "office2", "office", [], PASSWORD, NOW),
    }
    return made
