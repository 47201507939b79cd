"""The ledger's database server is down at start-up: the maps and the explorer keep working from the
policy data under a banner, and the ledger's commands refuse with a plain message (issue 15)."""

from __future__ import annotations

import io
import socket
import sys

import pytest

from panprd.__main__ import main
from panprd.tracking import store
from panprd.ui import ledger
from tests.test_pages import html_of, open_page


@pytest.fixture
def server_down(monkeypatch) -> str:
    """PANPRD_DB_URL at a PostgreSQL address where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://panprd:secret@127.0.0.1:{port}/panprd"
    monkeypatch.setenv("PANPRD_DB_URL", url)
    return url


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overview_map_shows_with_a_banner_when_the_ledger_is_down(server_down, ds, lang):
    at = open_page("overview", lang=lang)
    assert len(at.get("component_instance")) == 1  # the map
    assert {m.label: m.value for m in at.metric}["措施" if lang == "zh" else "Actions"] == str(len(ds.measures))
    banner = html_of(at)
    assert 'class="pp-ledger-banner"' in banner
    assert ("台账暂不可用" if lang == "zh" else "The tracking ledger is unavailable") in banner
    reached, other = ("无法连接", "cannot be reached") if lang == "zh" else ("cannot be reached", "无法连接")
    assert reached in banner and other not in banner and "secret" not in banner  # the page's language only


def test_the_explorer_lists_every_action_with_a_banner_when_the_ledger_is_down(server_down, ds):
    at = open_page("measures", theme="ecology")
    assert 0 < len(at.dataframe[0].value) < len(ds.measures)
    assert 'class="pp-ledger-banner"' in html_of(at)


def test_without_trouble_there_is_no_banner(tmp_path, monkeypatch):
    monkeypatch.setenv("PANPRD_DB_URL", f"sqlite:///{tmp_path / 'tracking.db'}")
    assert 'class="pp-ledger-banner"' not in html_of(open_page("overview"))


def test_a_report_is_refused_with_a_plain_message_when_the_server_is_down(server_down, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["tracking", "report", "--login", "jt", "--measure", "4.1.17", "--status", "on_schedule",
                 "--as-of", "2026-10-31", "--note", "按计划推进"])
    err = capsys.readouterr().err
    assert code == 2
    assert "无法连接" in err and "cannot be reached" in err
    assert "Traceback" not in err and "secret" not in err


def test_a_failed_open_is_retried_after_a_pause_not_on_every_rerun(monkeypatch, server_down):
    attempts = []
    real_open = store.open_store
    monkeypatch.setattr(store, "open_store", lambda url: attempts.append(url) or real_open(url))
    clock = [1000.0]
    monkeypatch.setattr(ledger.time, "monotonic", lambda: clock[0])
    assert ledger.opened()[0] is None and len(attempts) == 1
    clock[0] += ledger.RETRY_AFTER_S - 1
    engine, problem = ledger.opened()
    assert engine is None and "cannot be reached" in problem.text("en") and len(attempts) == 1
    clock[0] += 2
    assert ledger.opened()[0] is None and len(attempts) == 2


def test_the_tracking_page_refuses_reports_plainly_when_the_server_is_down(server_down):
    at = open_page("tracking", measure="4.1.17")
    page = html_of(at)
    assert 'class="pp-track-unavailable"' in page and "无法连接" in page and "cannot be reached" not in page
    assert "提交" not in [b.label for b in at.button] and "pp-signin" not in page  # no form to fill in vain
