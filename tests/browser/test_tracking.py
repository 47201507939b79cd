"""Issue 14's scenario in a real browser, on a ledger of its own (a temporary SQLite file):

1. a reporter of 省交通运输厅 signs in, clicks a facet link, reloads, and is still signed in;
2. it reports an action it leads as completed with evidence, and the office confirms it;
3. a viewer sees it on /measures?status=completed, on the map's light, in the CSV and the 台账 sheet;
4. a reporter of a unit not listed on that action is refused;
5. `tracking export` holds the report and the confirmation, and restores to the same export.

The tests are the scenario's steps and run in this order on one database. The server is `serve.py`, what
`make run` serves (the sign-in endpoints live there). Accounts are made with the CLI, as an office would.
4.1.17 is led by 省发改委 in the text, so the office first reassigns its lead to 省交通运输厅 (the CLI's
`tracking lead`); otherwise a 配合 unit's report would not set the status.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from panprd import ledger_view

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
MEASURE = "4.1.17"
EVIDENCE = "闽交〔2026〕1号"
NOTE = "向莆铁路集疏运体系示范工程已建成"
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def ledger_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ledger") / "tracking.db"
    url = f"sqlite:///{path}"
    for login, role, unit in (("jtt", "reporter", "省交通运输厅"), ("sw", "reporter", "省商务厅"),
                              ("office", "office", None)):
        args = ["users", "add", "--login", login, "--role", role, "--password-stdin"]
        cli(url, *args, *(["--unit", unit] if unit else []), stdin=PASSWORD + "\n")
    cli(url, "tracking", "lead", "--login", "office", "--measure", MEASURE, "--unit", "省交通运输厅", "--version", "0")
    return url


def cli(url: str, *args: str, stdin: str = "") -> str:
    """`python -m panprd ...` on this ledger; fails the test with stderr when it fails."""
    env = {**os.environ, "PANPRD_DB_URL": url}
    done = subprocess.run([sys.executable, "-m", "panprd", *args], cwd=ROOT, env=env, input=stdin.encode("utf-8"),
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", errors="replace")
    return done.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def server(streamlit_server, ledger_url: str) -> str:
    return streamlit_server(ROOT / "serve.py", env={"PANPRD_DB_URL": ledger_url,
                                                    "PANPRD_SESSION_SECRET": "browser-test-secret"})


def sign_in(page: Page, server: str, login: str) -> None:
    page.goto(f"{server}/tracking")
    page.locator("form.pp-signin").wait_for(timeout=TIMEOUT)
    page.fill("form.pp-signin input[name=login]", login)
    page.fill("form.pp-signin input[name=password]", PASSWORD)
    page.click("form.pp-signin button")
    page.locator("form.pp-signout").wait_for(timeout=TIMEOUT)


def signed_in_line(page: Page) -> str:
    line = page.locator('[data-testid="stSidebar"] .pp-session')
    line.wait_for(timeout=TIMEOUT)
    return line.inner_text()


def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label`."""
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           ".getAttribute('data-test-script-state') === 'notRunning'", timeout=TIMEOUT)
    box = page.get_by_role("combobox", name=label)
    # The selectbox's menu closes when the page scrolls (React Aria's popover), and Playwright's own scroll to
    # an element below the fold can land just after its click; so scroll first and let two frames pass.
    box.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    box.click()
    page.get_by_role("option", name=option).first.click()
    expect(page.get_by_role("combobox", name=label)).to_have_value(option)


def test_sign_in_survives_a_facet_link_and_a_reload(page: Page, server: str, screenshot_dir: Path):
    page.goto(f"{server}/tracking")
    assert "未登录" in signed_in_line(page)
    page.fill("form.pp-signin input[name=login]", "jtt")
    page.fill("form.pp-signin input[name=password]", "not the password")
    page.click("form.pp-signin button")
    expect(page.locator(".pp-signin-refused")).to_contain_text("登录名或密码错误", timeout=TIMEOUT)
    assert "password" not in page.url and "not%20the" not in page.url
    sign_in(page, server, "jtt")
    cookie = next(c for c in page.context.cookies() if c["name"] == "panprd_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "panprd_session" not in page.evaluate("document.cookie")  # no script can read it
    assert cookie["value"].split(".")[0] not in page.url
    page.goto(f"{server}/measures")
    assert "已登录：jtt" in signed_in_line(page)
    facet = page.locator(".pp-facets a").first
    facet.wait_for(timeout=TIMEOUT)
    before = page.url
    facet.click()
    page.wait_for_url(lambda url: url != before, timeout=TIMEOUT)
    assert "已登录：jtt" in signed_in_line(page)
    page.reload()
    assert "已登录：jtt" in signed_in_line(page)
    page.screenshot(path=screenshot_dir / "tracking_signed_in_measures.png", full_page=True)


def test_a_completed_report_is_confirmed_by_the_office(browser: Browser, server: str, ledger_url: str,
                                                        screenshot_dir: Path):
    reporter = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    sign_in(reporter, server, "jtt")
    reporter.goto(f"{server}/tracking?measure={MEASURE}")
    expect(reporter.locator(".pp-secrecy")).to_contain_text("不得填报涉密信息", timeout=TIMEOUT)
    choose(reporter, "进展状态", "已完成（completed）")
    reporter.get_by_label("进展情况（不超过 2000 字）").fill(NOTE)
    reporter.get_by_label("佐证材料（文号、标题或网址；已完成、已调整必填）").fill(EVIDENCE)
    reporter.get_by_role("button", name="提交").click()
    expect(reporter.locator(".pp-track-ok")).to_contain_text("已保存填报", timeout=TIMEOUT)
    expect(reporter.locator(".pp-action-state")).to_contain_text("已完成待审核", timeout=TIMEOUT)
    reporter.screenshot(path=screenshot_dir / "tracking_reported.png", full_page=True)
    reporter.context.close()

    office = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    sign_in(office, server, "office")
    entry = office.locator('.pp-history [data-report]', has_text=EVIDENCE)
    expect(entry).to_contain_text(NOTE, timeout=TIMEOUT)
    office.get_by_role("button", name="提交审核").first.click()  # the decision defaults to 确认（销号）
    expect(office.locator(".pp-track-ok")).to_contain_text("已审核填报", timeout=TIMEOUT)
    office.screenshot(path=screenshot_dir / "tracking_office_confirmed.png", full_page=True)
    office.context.close()

    viewer = browser.new_context().new_page()
    viewer.goto(f"{server}/tracking?measure={MEASURE}")
    state = viewer.locator(".pp-action-state")
    expect(state).to_contain_text("已完成", timeout=TIMEOUT)
    expect(state).not_to_contain_text("待审核")
    history = viewer.locator(".pp-history")
    expect(history).to_contain_text("办公室已确认")
    expect(history).not_to_contain_text(NOTE)  # notes and evidence only for signed-in accounts
    viewer.context.close()


def test_viewer_sees_the_confirmed_report(page: Page, server: str, tmp_path: Path, wait_for_map):
    """Step 3, as a viewer (a fresh page, no cookie): the status filter, the map's light, the CSV from the
    real button (status, no note) and the Excel workbook's 台账 sheet."""
    page.goto(f"{server}/measures?status=completed")
    table = page.locator('[data-testid="stDataFrame"]')
    table.wait_for(timeout=TIMEOUT)
    expect(page.locator("body")).not_to_contain_text("unknown parameter")
    downloads = {}
    for label in ("CSV 表格", "Excel 工作簿"):
        with page.expect_download(timeout=TIMEOUT) as info:
            page.locator('[data-testid="stDownloadButton"] button', has_text=label).click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        downloads[label] = target.read_bytes()
    rows = list(csv.DictReader(io.StringIO(downloads["CSV 表格"].decode("utf-8-sig"))))
    assert [(r["measure_id"], r["status"], r["light"]) for r in rows] == [(MEASURE, "completed", "green")]
    assert "note" not in rows[0] and NOTE not in downloads["CSV 表格"].decode("utf-8-sig")  # a viewer's CSV
    ledger_sheet = load_workbook(io.BytesIO(downloads["Excel 工作簿"]))["台账"]
    cells = [str(c.value) for row in ledger_sheet.iter_rows() for c in row if c.value is not None]
    assert MEASURE in cells and "省交通运输厅" in cells and any("已完成" in c for c in cells)
    # the map: the 向莆 railway's dot and 莆田's ring (the unit 4.1.17 names) in the green light's colour
    page.goto(f"{server}/corridors?feature=rail_xiangpu")
    frame = wait_for_map(page, timeout_ms=TIMEOUT)
    frame.locator("path.pp-light-dot").first.wait_for(state="attached", timeout=TIMEOUT)
    lights = frame.evaluate("""() => { const out = {dots: {}, rings: {}};
        const map = Object.values(window).find(v => v instanceof L.Map);
        map.eachLayer(l => { const p = l.feature && l.feature.properties; if (!p || !p.light) return;
            const cls = l.options.className || '';
            if (cls.includes('pp-light-dot')) out.dots[p.id] = l.options.fillColor;
            if (cls.includes('pp-light-ring')) out.rings[p.id] = l.options.color; });
        return out; }""")
    green = ledger_view.LIGHT_COLOURS["green"]
    assert lights["dots"]["rail_xiangpu"] == green and lights["rings"]["350300"] == green


def test_a_reporter_of_a_unit_not_listed_is_refused(page: Page, server: str, ledger_url: str):
    sign_in(page, server, "sw")
    page.goto(f"{server}/tracking?measure={MEASURE}")
    expect(page.locator('[data-testid="stAlert"]').first).to_contain_text("不能填报", timeout=TIMEOUT)
    page.get_by_role("button", name="提交").click()
    refusal = page.locator(".pp-track-refused")
    expect(refusal).to_contain_text("省商务厅", timeout=TIMEOUT)
    expect(refusal).to_contain_text("省发改委、省交通运输厅")
    queue = cli(ledger_url, "tracking", "queue")
    assert "省商务厅" not in queue


def test_the_export_holds_the_report_and_its_confirmation_and_restores_the_same(ledger_url: str, tmp_path: Path):
    exported = cli(ledger_url, "tracking", "export")
    records = [json.loads(line) for line in exported.splitlines()]
    reports = [r for r in records if r.get("type") == "report" and r.get("measure_id") == MEASURE]
    assert [(r["status"], r["unit"], r["evidence"], r["note"]) for r in reports] == [
        ("completed", "省交通运输厅", EVIDENCE, NOTE)]
    reviews = [r for r in records if r.get("type") == "review" and r.get("report_id") == reports[0]["id"]]
    assert [r["decision"] for r in reviews] == ["confirmed"]
    assert PASSWORD not in exported and "argon2" not in exported
    dump = tmp_path / "ledger.jsonl"
    dump.write_text(exported, encoding="utf-8")
    empty = f"sqlite:///{tmp_path / 'restored.db'}"
    cli(empty, "tracking", "restore", str(dump))
    assert cli(empty, "tracking", "export") == exported
