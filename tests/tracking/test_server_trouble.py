"""PostgreSQL as the ledger's server: its pool survives a restart, a server down at start-up is a plain
refusal, and a write in flight when the server dies is refused whole, leaving no partial rows.

These tests stop and start their own throwaway server (tests/pgcluster.py), never the session's.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event, func, select

from panprd.tracking import accounts, schema, status, store
from panprd.tracking.ledger import submit_report
from panprd.tracking.transfer import import_ledger
from tests import pgcluster
from tests.conftest import postgres_wanted

from .conftest import NOW, PASSWORD
from .test_transfer import workbook

pytestmark = [pytest.mark.postgresql_only, pytest.mark.skipif(not postgres_wanted(), reason="PANPRD_TEST_PG=off")]


@pytest.fixture(scope="module")
def cluster() -> Iterator[pgcluster.Cluster]:
    made = pgcluster.create_cluster()
    yield made
    made.destroy()


@pytest.fixture
def url(cluster) -> str:
    """A new database on the (running) private server, at the newest schema, with a reporter and the office."""
    if not cluster.is_running():
        cluster.start()
    name = f"trouble_{uuid.uuid4().hex[:10]}"
    admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    engine = store.open_store(cluster.url(name))
    accounts.add_account(engine, "jt", "reporter", ["省交通运输厅"], PASSWORD, NOW)
    accounts.add_account(engine, "office", "office", [], PASSWORD, NOW)
    engine.dispose()
    return cluster.url(name)


def report_count(url: str) -> int:
    engine = store.open_store(url)
    with store.reading(engine) as connection:
        count = connection.execute(select(func.count()).select_from(schema.reports)).scalar()
    engine.dispose()
    return count


def stop_after(engine, cluster: pgcluster.Cluster, table: str, inserts: int) -> list[int]:
    """Kill the server (`pg_ctl stop -m immediate`) right after the n-th INSERT into `table`, mid-transaction."""
    seen = [0]

    @event.listens_for(engine, "after_cursor_execute")
    def _pull_the_plug(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            seen[0] += 1
            if seen[0] == inserts:
                cluster.stop("immediate")

    return seen


def test_the_pool_survives_a_server_restart(cluster, url, actions):
    engine = store.open_store(url)
    assert engine.pool.size() == store.SERVER_POOL["pool_size"]
    before = store.last_change(engine, NOW)
    cluster.stop("fast")
    cluster.start()
    # The pooled connection died with the old server; pre_ping swaps it for a new one unseen.
    assert store.last_change(engine, NOW) == before
    submit_report(engine, actions, "office", "4.1.17", "on_schedule", "2026-10-31", now=NOW)
    assert store.last_change(engine, NOW) != before
    engine.dispose()


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


def test_a_server_down_at_start_up_is_refused_quickly_with_a_plain_message(monkeypatch):
    monkeypatch.setenv("PANPRD_DB_URL", f"postgresql+psycopg://panprd:secret@127.0.0.1:{dead_port()}/panprd")
    started = time.monotonic()
    with pytest.raises(store.StoreUnavailable) as refused:
        store.open_store()
    assert time.monotonic() - started < 10
    message = str(refused.value)
    assert "cannot be reached" in message and "无法连接" in message
    assert "secret" not in message


def test_a_report_in_flight_when_the_server_dies_is_refused_and_nothing_is_stored(cluster, url, actions):
    engine = store.open_store(url)
    inserts = stop_after(engine, cluster, "reports", 1)
    with pytest.raises(store.StoreUnavailable) as refused:
        submit_report(engine, actions, "jt", "4.1.17", "completed", "2026-10-31", "建成", "闽交〔2026〕1号", now=NOW)
    assert inserts[0] == 1  # the row was sent, the commit never came
    assert "not confirmed as saved" in str(refused.value)
    engine.dispose()

    cluster.start()
    assert report_count(url) == 0
    # The same engine's pool recovers, and the resubmitted report lands once.
    engine = store.open_store(url)
    submit_report(engine, actions, "jt", "4.1.17", "completed", "2026-10-31", "建成", "闽交〔2026〕1号", now=NOW)
    [landed] = status.history(engine, actions, "4.1.17", include_private=True, now=NOW)
    assert (landed.status, landed.evidence) == ("completed", "闽交〔2026〕1号")
    engine.dispose()


def test_an_import_cut_off_half_way_stores_none_of_its_rows(cluster, url, actions):
    engine = store.open_store(url)
    raw = workbook([["4.1.17", "序时推进", "2026-09-30", "第一行", None],
                    ["4.1.17", "behind", "2026-10-15", "第二行", None],
                    ["4.1.17", "on_schedule", "2026-10-31", "第三行", None]])
    inserts = stop_after(engine, cluster, "reports", 2)
    with pytest.raises(store.StoreUnavailable):
        import_ledger(engine, actions, "jt", raw, "ledger.xlsx", NOW)
    assert inserts[0] == 2
    engine.dispose()
    cluster.start()
    assert report_count(url) == 0
