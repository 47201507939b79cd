"""Shared fixtures: the real data, loaded once per test session; a ledger database outside the worktree."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from panprd import data
from tests import pgcluster


@pytest.fixture(scope="session")
def ds() -> data.Dataset:
    return data.load()


def postgres_wanted() -> bool:
    """The PostgreSQL runs are part of every test run; PANPRD_TEST_PG=off leaves them out, visibly."""
    return os.environ.get("PANPRD_TEST_PG", "").lower() != "off"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server for the session: PANPRD_TEST_PG_URL's, or a throwaway one started here.

    Fails (never skips) when no server can be started: CI must prove the PostgreSQL store.
    """
    external = os.environ.get("PANPRD_TEST_PG_URL")
    if external:
        yield external
        return
    cluster = pgcluster.create_cluster()
    try:
        yield cluster.url()
    finally:
        cluster.destroy()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Tests passed per ledger store: the `[sqlite]` / `[postgresql]` runs of the parametrised ledger
    tests, plus the tests marked `sqlite_only` / `postgresql_only`."""
    passed = terminalreporter.stats.get("passed", [])

    def on(store: str, report) -> bool:
        params = report.nodeid.rpartition("[")[2].rstrip("]").split("-") if "[" in report.nodeid else []
        return store in params or f"{store}_only" in report.keywords

    counts = {store: sum(on(store, report) for report in passed) for store in ("sqlite", "postgresql")}
    if counts["sqlite"] or counts["postgresql"]:
        note = "" if postgres_wanted() else " (PostgreSQL left out: PANPRD_TEST_PG=off)"
        terminalreporter.write_line(f"ledger tests passed per store: sqlite {counts['sqlite']}, "
                                    f"postgresql {counts['postgresql']}{note}")


@pytest.fixture(scope="session", autouse=True)
def ledger_outside_the_worktree(tmp_path_factory) -> Iterator[str]:
    """Every page opens the tracking ledger: point PANPRD_DB_URL at a temporary file for the whole session
    (AppTest pages and the browser tests' servers, which inherit the environment), never var/tracking.db."""
    previous = os.environ.get("PANPRD_DB_URL")
    url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'tracking.db'}"
    os.environ["PANPRD_DB_URL"] = url
    yield url
    if previous is None:
        os.environ.pop("PANPRD_DB_URL", None)
    else:
        os.environ["PANPRD_DB_URL"] = previous
