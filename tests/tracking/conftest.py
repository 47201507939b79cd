"""Fixtures of the ledger tests: a fresh database per test, a pinned clock, small action sets.

Every test that uses a database runs twice, on SQLite (`[sqlite]`) and on a real PostgreSQL
(`[postgresql]`): a throwaway server started for the session (tests/pgcluster.py; as root it
runs as the `postgres` user), or the server at PANPRD_TEST_PG_URL (e.g.
`postgresql+psycopg://postgres@/?host=/tmp/pg&port=5432`). Tests marked `sqlite_only` (file
locking, WAL) run on SQLite alone. PANPRD_TEST_PG=off leaves the PostgreSQL runs out.
"""

from __future__ import annotations

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
from tests.conftest import postgres_wanted

# 2026-11-28 12:00 in Asia/Shanghai.
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
sqlite_only = pytest.mark.sqlite_only  # SQLite file behaviour (locks, WAL, file paths)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test that reaches a database runs once per store."""
    if "backend" not in metafunc.fixturenames:
        return
    stores = ["sqlite"]
    if postgres_wanted() and not metafunc.definition.get_closest_marker("sqlite_only"):
        stores.append("postgresql")
    metafunc.parametrize("backend", stores, scope="session")


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


class Databases:
    """Makes empty databases of one store: new ones (no tables) and copies of a migrated template."""

    def __init__(self, backend: str, folder: Path, admin_url: str | None) -> None:
        self.backend, self.folder, self.admin_url = backend, folder, admin_url
        self.made: list[str] = []

    def url(self, name: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.folder / name}.db"
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(statement)
        admin.dispose()

    def new(self, template: str | None = None) -> str:
        """The URL of a new database: empty, or a copy of `template` (a name from `new`)."""
        name = f"panprd_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            if template:
                shutil.copyfile(self.folder / f"{template}.db", self.folder / f"{name}.db")
        else:
            self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            self.made.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        for name in self.made:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


@pytest.fixture(scope="session")
def databases(backend, tmp_path_factory, request) -> Iterator[Databases]:
    admin_url = request.getfixturevalue("pg_admin_url") if backend == "postgresql" else None
    made = Databases(backend, tmp_path_factory.mktemp(f"db-{backend}"), admin_url)
    yield made
    if backend == "postgresql":
        made.drop_all()


@pytest.fixture(scope="session")
def empty_db(databases) -> str:
    """The name of a database at the newest schema, made once; each test gets a copy (migrations take a while)."""
    url = databases.new()
    store.open_store(url).dispose()
    return make_url(url).database if databases.backend == "postgresql" else Path(make_url(url).database).stem


@pytest.fixture
def make_store(databases, empty_db) -> Iterator[Callable[[], Engine]]:
    """Make another migrated, empty database of the store under test (e.g. to restore into)."""
    engines: list[Engine] = []

    def make() -> Engine:
        engine = store.open_store(databases.new(template=empty_db))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


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
