"""Submitting reports at the function level: every refusal rule, and hostile text kept literally."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect

from panprd.export import neutralise
from panprd.tracking import accounts, ledger, status, transfer
from panprd.tracking.ledger import ReportRefused, submit_report
from panprd.tracking.units import OFFICE_UNIT

from .conftest import NOW


def refusal(engine, actions, *args, **kwargs) -> ReportRefused:
    with pytest.raises(ReportRefused) as caught:
        submit_report(engine, actions, *args, now=NOW, **kwargs)
    return caught.value


def test_a_listed_unit_reports_and_it_lands_in_the_history(engine, actions, people):
    report_id = submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", "按计划推进", now=NOW)
    [report] = status.history(engine, actions, "4.1.17", include_private=True, now=NOW)
    assert (report.id, report.unit, report.login, report.on_behalf, report.role) == (
        report_id, "省交通运输厅", "jt", False, "support")
    assert report.note == "按计划推进"
    assert report.created_at == "2026-11-28T04:00:00.000000Z"


def test_a_unit_not_listed_is_refused_with_the_units_that_can_report(engine, actions, people):
    error = refusal(engine, actions, "sw", "4.1.17", "on_schedule", "2026-10-31")
    assert [p.field for p in error.problems] == ["unit"]
    assert "省商务厅" in str(error)
    assert "省发改委、省交通运输厅、省铁办、莆田市人民政府" in str(error)
    assert status.history(engine, actions, "4.1.17", include_private=True) == []


def test_a_reporter_cannot_report_on_behalf_of_a_unit(engine, actions, people):
    error = refusal(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", on_behalf_of="省发改委")
    assert "只有办公室可以代报" in str(error)


def test_the_office_reports_on_behalf_marked_as_such_and_in_its_own_name(engine, actions, people):
    submit_report(engine, actions, "office", "4.1.17", "behind", "2026-10-31", on_behalf_of="省发改委", now=NOW)
    submit_report(engine, actions, "office", "4.1.17", "on_schedule", "2026-11-01", now=NOW)
    first, second = status.history(engine, actions, "4.1.17", include_private=True)
    assert (first.unit, first.on_behalf, first.role) == ("省发改委", True, "lead")
    assert (second.unit, second.on_behalf, second.role) == (OFFICE_UNIT, False, "office")
    error = refusal(engine, actions, "office", "4.1.17", "behind", "2026-10-31", on_behalf_of="省商务厅")
    assert "省商务厅" in str(error) and "可填报的单位" in str(error)


def test_a_note_of_2001_characters_is_refused_and_2000_accepted(engine, actions, people):
    error = refusal(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", "字" * 2001)
    assert [p.field for p in error.problems] == ["note"]
    assert "2,001" in str(error)
    submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", "字" * 2000, now=NOW)


@pytest.mark.parametrize("as_of", ["2016-11-13", "2026-11-29", "2026-13-01", "31/10/2026", "20261031", ""])
def test_dates_outside_the_policy_period_or_malformed_are_refused(engine, actions, people, as_of):
    error = refusal(engine, actions, "jt", "4.1.17", "on_schedule", as_of)
    assert [p.field for p in error.problems] == ["as_of"]


def test_the_first_and_last_allowed_dates(engine, actions, people):
    submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2016-11-14", now=NOW)
    # 2026-11-27 20:00 UTC is already 2026-11-28 in Shanghai: that date is today, not the future.
    late_evening = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
    submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-11-28", now=late_evening)


def test_an_unknown_status_is_refused(engine, actions, people):
    error = refusal(engine, actions, "jt", "4.1.17", "done", "2026-10-31")
    assert [p.field for p in error.problems] == ["status"]
    assert "'done'" in str(error)


@pytest.mark.parametrize("code", ["completed", "adjusted"])
def test_completed_or_adjusted_without_evidence_is_refused(engine, actions, people, code):
    error = refusal(engine, actions, "jt", "4.1.17", code, "2026-10-31", "done", "  ")
    assert [p.field for p in error.problems] == ["evidence"]


def test_an_unknown_action_is_refused(engine, actions, people):
    error = refusal(engine, actions, "jt", "4.1.99", "on_schedule", "2026-10-31")
    assert [p.field for p in error.problems] == ["measure_id"]


def test_a_deactivated_account_is_refused(engine, actions, people):
    accounts.deactivate(engine, "jt", NOW)
    error = refusal(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31")
    assert [p.field for p in error.problems] == ["account"]
    assert "已停用" in str(error)


def test_every_problem_is_reported_at_once(engine, actions, people):
    error = refusal(engine, actions, "sw", "4.1.17", "completed", "2015-01-01", "x" * 2001)
    assert {p.field for p in error.problems} == {"unit", "as_of", "note", "evidence"}


def test_control_characters_are_refused(engine, actions, people):
    error = refusal(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", "a\x00b")
    assert [p.field for p in error.problems] == ["note"]


HOSTILE = [
    "'); DROP TABLE reports; --",
    "\" OR 1=1 --",
    "<script>alert('x')</script><b>粗</b>",
    "=HYPERLINK(\"http://example.invalid\",\"点我\")",
    "+1+1", "@SUM(A1)", "-2+3",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_and_exported_literally(engine, actions, people, text):
    submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", text, text, now=NOW)
    [report] = status.history(engine, actions, "4.1.17", include_private=True)
    assert (report.note, report.evidence) == (text, text)
    assert "reports" in inspect(engine).get_table_names()
    exported = transfer.export_lines(engine)
    assert any(f'"note":{__import__("json").dumps(text, ensure_ascii=False)}' in line for line in exported)
    frame = status.history_frame(status.full_history(engine, actions))
    assert frame.loc[0, "note"] == text  # the data as typed; CSV writers neutralise it:
    if text[0] in "=+-@":
        assert neutralise(text) == "'" + text


def test_two_units_of_one_account_pick_the_lead_unless_told(engine, actions, people):
    accounts.add_account(engine, "multi", "reporter", ["省交通运输厅", "省发改委"], None, NOW)
    submit_report(engine, actions, "multi", "4.1.17", "on_schedule", "2026-10-31", now=NOW)
    submit_report(engine, actions, "multi", "4.1.17", "on_schedule", "2026-10-31", unit="省交通运输厅", now=NOW)
    units = [r.unit for r in status.history(engine, actions, "4.1.17", include_private=False)]
    assert units == ["省发改委", "省交通运输厅"]
    error = refusal(engine, actions, "multi", "4.1.17", "on_schedule", "2026-10-31", unit="省商务厅")
    assert "不属于" in str(error)


def test_reviews_confirm_once_return_with_reason_and_only_by_the_office(engine, actions, people):
    report_id = submit_report(engine, actions, "jt", "4.1.17", "completed", "2026-10-31", evidence="闽交〔2026〕1号",
                              now=NOW)
    with pytest.raises(ledger.ReviewRefused, match="只有办公室"):
        ledger.review_report(engine, "fgw", report_id, "confirmed", now=NOW)
    with pytest.raises(ledger.ReviewRefused, match="理由"):
        ledger.review_report(engine, "office", report_id, "returned", " ", now=NOW)
    ledger.review_report(engine, "office", report_id, "confirmed", now=NOW)
    with pytest.raises(ledger.ReviewRefused, match="已审核"):
        ledger.review_report(engine, "office2", report_id, "returned", "重复", now=NOW)
    with pytest.raises(ledger.ReviewRefused, match="#999"):
        ledger.review_report(engine, "office", 999, "confirmed", now=NOW)
