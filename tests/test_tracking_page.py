"""/tracking under AppTest: the sign-in form for viewers, my actions and the report form with the secrecy
reminder for a reporter, refusals by field, the office's review queue, due-date conflicts, hostile text.

AppTest has no browser, so it cannot carry a cookie (`st.context.cookies` is empty there): these tests
put a really signed session cookie where `panprd.ui.signin` reads it, so the signature check and the
server-side session lookup run as in the browser. tests/browser/test_tracking.py drives the real
cookie through the sign-in endpoint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from panprd import websession
from panprd.messages import Message
from panprd.tracking import accounts, ledger, store
from panprd.tracking.ledger import SECRECY_REMINDER
from panprd.ui import signin

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "correct horse battery"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>=HYPERLINK("http://x")'


@pytest.fixture
def ledger_db(tmp_path, monkeypatch):
    """A fresh ledger for the app (PANPRD_DB_URL), accounts jt (省交通运输厅), sw (省商务厅), office."""
    url = f"sqlite:///{tmp_path / 'tracking.db'}"
    monkeypatch.setenv("PANPRD_DB_URL", url)
    monkeypatch.setenv("PANPRD_SESSION_SECRET", "test-secret-" + tmp_path.name)
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    engine = store.open_store(url)
    for login, role, units in (("jt", "reporter", ["省交通运输厅"]), ("sw", "reporter", ["省商务厅"]),
                               ("office", "office", [])):
        accounts.add_account(engine, login, role, units, PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture
def cookies(monkeypatch):
    """The browser's cookies as panprd.ui.signin reads them; `sign_in(engine, login)` adds a session."""
    jar: dict[str, str] = {}
    monkeypatch.setattr(signin, "_cookie", jar.get)

    def sign_in(engine, login: str) -> str:
        token = accounts.create_session(engine, accounts.authenticate(engine, login, PASSWORD))
        jar[websession.SESSION_COOKIE] = websession.sign(token)
        return token

    jar_api = type("Jar", (), {"sign_in": staticmethod(sign_in), "jar": jar})
    return jar_api


def open_tracking(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/tracking.py").run()
    assert not at.exception, at.exception
    return at


def html_of(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in at.get("html"))


def test_a_viewer_sees_the_sign_in_form_and_no_report_form(ledger_db):
    at = open_tracking()
    assert at.title[0].value == "落实情况"
    body = html_of(at)
    assert f'action="{websession.SIGNIN_PATH}"' in body and 'type="password"' in body
    assert 'name="next" value="/tracking"' in body
    assert "未登录" in body  # the sidebar says so
    assert not at.get("form") and "我的措施" not in [m.value for m in at.markdown]
    english = open_tracking(lang="en")
    assert english.title[0].value == "Implementation tracking"


def test_a_reporter_sees_my_actions_and_the_form_with_the_secrecy_reminder(ledger_db, cookies):
    cookies.sign_in(ledger_db, "jt")
    at = open_tracking(measure="4.1.17")
    body = html_of(at)
    assert "已登录：jt" in body and 'action="/_panprd/signout"' in body
    assert SECRECY_REMINDER in body
    assert at.selectbox(key="tr_status").options[1] == "序时推进（on_schedule）"
    assert 'data-measure="4.1.17"' in body  # my actions lists it, as 配合
    assert 'href="./tracking?measure=4.1.17"' in body
    assert 'data-measure="2.2.01"' not in body  # 省交通运输厅 is not listed there


def test_a_tampered_or_revoked_cookie_signs_nobody_in(ledger_db, cookies):
    token = cookies.sign_in(ledger_db, "jt")
    cookies.jar[websession.SESSION_COOKIE] = token + ".forged"
    assert "已登录" not in html_of(open_tracking())
    cookies.jar[websession.SESSION_COOKIE] = websession.sign(token)
    accounts.deactivate(ledger_db, "jt")
    body = html_of(open_tracking())
    assert "已登录" not in body and 'type="password"' in body


def test_a_report_is_saved_and_shown_newest_first_with_hostile_text_as_text(ledger_db, cookies):
    cookies.sign_in(ledger_db, "jt")
    at = open_tracking(measure="4.1.17")
    at.selectbox(key="tr_status").set_value("on_schedule")
    at.text_area(key="tr_note").input("first")
    at.button(key="FormSubmitter:tr_form-提交").click().run()
    at.selectbox(key="tr_status").set_value("behind")
    at.text_area(key="tr_note").input(HOSTILE)
    at.text_input(key="tr_evidence").input("<b>闽交〔2026〕1号</b>")
    at.button(key="FormSubmitter:tr_form-提交").click().run()
    assert not at.exception
    body = html_of(at)
    assert "已保存填报 #2" in body
    assert "<script>alert(2)</script>" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body and "&lt;b&gt;闽交〔2026〕1号&lt;/b&gt;" in body
    history = body[body.index('class="pp-history"'):]
    assert history.index('data-report="2"') < history.index('data-report="1"')  # newest first


def test_a_reporter_of_an_unlisted_unit_is_refused_naming_the_units_that_can(ledger_db, cookies):
    cookies.sign_in(ledger_db, "sw")
    at = open_tracking(measure="4.1.17")
    assert "不能填报" in at.warning[0].value
    at.selectbox(key="tr_status").set_value("on_schedule")
    at.button(key="FormSubmitter:tr_form-提交").click().run()
    body = html_of(at)
    assert "未保存" in body
    refusal = body[body.index("pp-track-refused"):]
    assert "填报单位：措施 4.1.17 的责任单位不包括省商务厅" in refusal  # under the field it concerns
    assert "可填报的单位：省发改委、省交通运输厅" in refusal
    assert not ledger.unreviewed_reports(ledger_db, "4.1.17")


def test_completed_without_evidence_is_refused_by_field(ledger_db, cookies):
    cookies.sign_in(ledger_db, "jt")
    at = open_tracking(measure="4.1.17")
    at.selectbox(key="tr_status").set_value("completed")
    at.button(key="FormSubmitter:tr_form-提交").click().run()
    refusal = html_of(at)
    assert "佐证材料：已完成须提供佐证" in refusal


def test_the_office_confirms_from_the_review_queue(ledger_db, cookies):
    actions = _actions()
    ledger.set_lead(ledger_db, actions, "office", "4.1.17", "省交通运输厅", 0)
    report = ledger.submit_report(ledger_db, actions, "jt", "4.1.17", "completed", "2026-10-31", HOSTILE,
                                  "闽交〔2026〕1号")
    cookies.sign_in(ledger_db, "office")
    at = open_tracking()
    body = html_of(at)
    assert f'data-report="{report}"' in body and "&lt;script&gt;" in body and "<script>alert" not in body
    assert "<pre class=\"pp-sheet\">督办单 · " in body and "一、逾期未完成" in body  # the first lead unit's sheet
    assert [b.label for b in at.get("download_button")][-2:] == ["下载督办单（文本）", "下载全部填报记录（CSV）"]
    at.radio(key=f"rv_decision_{report}").set_value("confirmed")
    at.button(key=f"FormSubmitter:rv_form_{report}-提交审核").click().run()
    assert not at.exception
    assert f"已审核填报 #{report}" in html_of(at)
    from panprd.tracking import status
    assert status.action_states(ledger_db, actions)["4.1.17"].status == "completed"


def test_a_stale_due_date_edit_gets_the_conflict_message(ledger_db, cookies):
    cookies.sign_in(ledger_db, "office")
    at = open_tracking(measure="4.1.17")
    ledger.set_due(ledger_db, _actions(), "office", "4.1.17", "2027-01-31", 0)  # someone else, meanwhile
    at.date_input(key="pl_due").set_value(datetime(2027, 6, 30, tzinfo=UTC).date())
    at.button(key="FormSubmitter:pl_due_form-保存时间节点").click().run()
    body = html_of(at)
    assert "已被 office 于" in body and "请刷新后重试" in body
    assert ledger.plan_of(ledger_db, "4.1.17").due == "2027-01-31"


def _actions():
    from panprd import data
    from panprd.tracking import units
    return units.actions_from_measures(data.load().measures)


def test_measure_is_a_page_key_of_the_url(ds):
    from panprd import filters
    choices = filters.choices_from(ds.measures)
    view, notes = filters.view_from_query("tracking", {"measure": "4.1.17", "lang": "en"}, choices, frozenset(),
                                          frozenset(), ds.measures.index)
    assert view.measure == "4.1.17" and not notes
    assert view.href() == "./tracking?measure=4.1.17&lang=en"
    assert view.href("measures") == "./measures?lang=en"  # a page key stays on its page
    unknown, notes = filters.view_from_query("tracking", {"measure": "<b>9.9</b>"}, choices, frozenset(),
                                             frozenset(), ds.measures.index)
    assert unknown.measure is None and [(n.key, n.reason) for n in notes] == [("measure", "unknown measure")]


def test_my_actions_put_the_lead_first_and_the_history_download_neutralises_formulas(ledger_db, ds):
    from panprd import filters, tracking_tables
    from panprd.tracking import status
    actions = _actions()
    ledger.set_lead(ledger_db, actions, "office", "4.1.17", "省交通运输厅", 0)
    ledger.submit_report(ledger_db, actions, "jt", "4.1.17", "behind", "2026-10-31", '=HYPERLINK("http://x")')
    states = status.action_states(ledger_db, actions)
    jt = accounts.get_account(ledger_db, "jt")
    rows = tracking_tables.my_action_rows(actions, states, jt, status.full_history(ledger_db, actions),
                                          filters.ViewState("tracking"), ds.measures)
    assert rows[0].measure_id == "4.1.17" and rows[0].role == "牵头" and rows[0].status == "进度滞后"
    assert rows[0].light == "yellow" and rows[0].last_report.startswith("2026-10-31 进度滞后")
    assert {r.role for r in rows[1:]} == {"配合"}
    assert {r.measure_id for r in rows} == {m for m, a in actions.items() if "省交通运输厅" in a.units}
    text = tracking_tables.history_csv(status.full_history(ledger_db, actions)).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ',=HYPERLINK' not in text


def test_a_refused_sign_in_shows_its_message_once_with_the_login_kept(ledger_db, cookies):
    refused = accounts.SignInRefused(Message("ledger_too_many", at="12:00 <b>x</b>"))
    notice_id = websession._put_notice(refused, "jt<script>")
    cookies.jar[websession.NOTICE_COOKIE] = notice_id
    body = html_of(open_tracking())
    assert "登录失败次数过多" in body and "&lt;b&gt;x&lt;/b&gt;" in body
    assert 'value="jt&lt;script&gt;"' in body
    assert "登录失败次数过多" not in html_of(open_tracking())  # a new page load: shown once
