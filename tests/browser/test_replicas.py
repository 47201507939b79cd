"""Replicas share the ledger (issue 15): two app processes behind nginx (bench/nginx.conf), one PostgreSQL.

A report submitted on process A's /tracking page (and confirmed there by the office) shows on
process B at B's next rerun, in the same session, on `/measures?status=completed`: every page keys
its ledger read on `store.last_change`, which moves with each report and review, whichever process
wrote them. Everything runs on loopback. nginx sticks a client to a process by its address, so the
test finds a 127.0.0.x source address that nginx sends to B and reads B's page over Streamlit's
websocket protocol from there; the browser (from 127.0.0.1) uses A's own port.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect

from bench.wsclient import ws_url
from panprd.tracking import accounts, store
from tests.browser.conftest import PROJECT_ROOT, _free_port, _healthy, _start, _stop
from tests.browser.test_tracking import EVIDENCE, NOTE, PASSWORD, TIMEOUT, choose, sign_in

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
APP = PROJECT_ROOT / "serve.py"  # what `make run` serves: the app and its sign-in routes


@pytest.fixture
def ledger_url(pg_admin_url) -> Iterator[str]:
    """A new PostgreSQL database at the newest schema with a reporter of 省发改委 and the office."""
    name = f"replicas_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    engine = store.open_store(url)
    accounts.add_account(engine, "fgw", "reporter", ["省发改委"], PASSWORD)  # leads 4.1.17
    accounts.add_account(engine, "office", "office", [], PASSWORD)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def replicas(ledger_url) -> Iterator[tuple[str, dict[str, str], Path]]:
    """nginx on a free port in front of two app processes on the same ledger: (front URL, {name: upstream}, log)."""
    env = {"PANPRD_DB_URL": ledger_url, "PANPRD_SESSION_SECRET": uuid.uuid4().hex}
    started = [_start(APP, (), env), _start(APP, (), env)]
    prefix = Path(tempfile.mkdtemp(prefix="panprd-nginx-"))
    (prefix / "logs").mkdir()
    (prefix / "tmp").mkdir()
    front = _free_port()
    upstreams = {name: base.removeprefix("http://") for name, (_, base) in zip("AB", started)}
    conf = (PROJECT_ROOT / "bench" / "nginx.conf").read_text(encoding="utf-8")
    conf = (conf.replace("127.0.0.1:8610", f"127.0.0.1:{front}").replace("127.0.0.1:8611", upstreams["A"])
            .replace("127.0.0.1:8612", upstreams["B"]))
    (prefix / "nginx.conf").write_text(conf, encoding="utf-8")
    nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                             stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _healthy(f"http://127.0.0.1:{front}/_stcore/health"):
            assert nginx.poll() is None and time.monotonic() < deadline, nginx.stderr.read().decode()
            time.sleep(0.2)
        yield f"http://127.0.0.1:{front}", upstreams, prefix / "logs" / "access.log"
    finally:
        os.killpg(nginx.pid, signal.SIGTERM)
        nginx.wait(timeout=10)
        for proc, _ in started:
            _stop(proc)
        shutil.rmtree(prefix, ignore_errors=True)


def upstream_of(front: str, source: str, log: Path) -> str:
    """Which app process nginx sends the client at `source` to: one request, then its access-log line."""
    host, port = front.removeprefix("http://").split(":")
    marker = f"/_stcore/health?probe={uuid.uuid4().hex}"
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    connection.request("GET", marker)
    assert connection.getresponse().status == 200
    connection.close()
    for _ in range(50):
        lines = [line for line in log.read_text().splitlines() if marker in line]
        if lines:
            return lines[0].rsplit("upstream=", 1)[1].split()[0]
        time.sleep(0.1)
    raise AssertionError(f"no access-log line for {marker}")


def rerun_tables(session, page: str, query: str) -> list[list[str]]:
    """Ask the session to rerun `page` with `query`; the measure_id column of each table it draws."""
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page
    session.send(msg.SerializeToString())
    tables: list[list[str]] = []
    while True:
        received = ForwardMsg()
        received.ParseFromString(session.recv(timeout=120))
        kind = received.WhichOneof("type")
        if kind == "delta" and received.delta.WhichOneof("type") == "new_element":
            element = received.delta.new_element
            if element.WhichOneof("type") == "exception":
                raise AssertionError(element.exception.message)
            if element.WhichOneof("type") == "dataframe":
                table = pa.ipc.open_stream(element.dataframe.arrow_data.data).read_all()
                if "measure_id" in table.column_names:
                    tables.append([str(v) for v in table.column("measure_id").to_pylist()])
        elif kind == "script_finished":
            return tables


def report_and_confirm_on(browser: Browser, server: str) -> None:
    """省发改委 (4.1.17's lead) reports it completed on the server's /tracking page; the office confirms it there."""
    reporter = browser.new_context().new_page()
    sign_in(reporter, server, "fgw")
    reporter.goto(f"{server}/tracking?measure=4.1.17")
    choose(reporter, "进展状态", "已完成（completed）")
    reporter.get_by_label("进展情况（不超过 2000 字）").fill(NOTE)
    reporter.get_by_label("佐证材料（文号、标题或网址；已完成、已调整必填）").fill(EVIDENCE)
    reporter.get_by_role("button", name="提交").click()
    expect(reporter.locator(".pp-track-ok")).to_contain_text("已保存填报", timeout=TIMEOUT)
    reporter.context.close()
    office = browser.new_context().new_page()
    sign_in(office, server, "office")
    expect(office.locator('.pp-history [data-report]', has_text=EVIDENCE)).to_contain_text(NOTE, timeout=TIMEOUT)
    office.get_by_role("button", name="提交审核").first.click()  # the decision defaults to 确认（销号）
    expect(office.locator(".pp-track-ok")).to_contain_text("已审核填报", timeout=TIMEOUT)
    office.context.close()


def test_a_report_through_process_a_shows_on_process_b_at_its_next_rerun(replicas, browser: Browser):
    front, upstreams, log = replicas
    sources = {}
    for last in range(2, 40):
        address = f"127.0.0.{last}"
        sources.setdefault(upstream_of(front, address, log), address)
        if len(sources) == 2:
            break
    assert set(sources) == set(upstreams.values()), sources

    with connect(ws_url(front), subprotocols=["streamlit"], max_size=None, open_timeout=30,
                 source_address=(sources[upstreams["B"]], 0)) as on_b:
        before = rerun_tables(on_b, "measures", "status=completed")
        report_and_confirm_on(browser, f"http://{upstreams['A']}")
        after = rerun_tables(on_b, "measures", "status=completed")

    assert before == [[]]
    assert after == [["4.1.17"]]
    streams = [line for line in log.read_text().splitlines() if '"GET /_stcore/stream' in line]
    assert streams and all(f"upstream={upstreams['B']}" in line for line in streams)
