"""Fixtures of the ledger tests: a fresh SQLite file per test, a pinned clock, small action sets."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from panprd.tracking import accounts, store
from panprd.tracking.units import build_actions

# 2026-11-28 12:00 in Asia/Shanghai.
NOW = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"

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
def empty_db(tmp_path_factory) -> Path:
    """A database at the newest schema, made once; each test gets a copy (migrations take a while)."""
    path = tmp_path_factory.mktemp("template") / "tracking.db"
    store.open_store(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def engine(tmp_path, empty_db):
    path = tmp_path / "tracking.db"
    shutil.copyfile(empty_db, path)
    return store.open_store(f"sqlite:///{path}")


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
