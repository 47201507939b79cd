"""Current status, traffic lights, the office's lists and what pages aggregate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from panprd.tracking import ledger, status
from panprd.tracking.ledger import review_report, set_due, set_lead, submit_report
from panprd.tracking.status import action_states, light

from .conftest import NOW

TODAY = date(2026, 11, 28)


def report(engine, actions, login, status_code, as_of="2026-10-31", **kwargs) -> int:
    evidence = "闽发改〔2026〕9号" if status_code in ("completed", "adjusted") else ""
    return submit_report(engine, actions, login, "4.1.17", status_code, as_of, evidence=evidence, now=NOW, **kwargs)


def state(engine, actions, measure="4.1.17", now=NOW):
    return action_states(engine, actions, now)[measure]


# ---------------------------------------------------------------- current status


def test_no_report_is_grey(engine, actions, people):
    s = state(engine, actions)
    assert (s.status, s.light, s.lead, s.report_id) == (None, "grey", "省发改委", None)


def test_the_lead_units_latest_report_sets_the_status(engine, actions, people):
    report(engine, actions, "fgw", "behind", "2026-09-30")
    latest = report(engine, actions, "fgw", "on_schedule", "2026-10-31")
    report(engine, actions, "fgw", "behind", "2026-08-31")  # filed later, describes an earlier date
    s = state(engine, actions)
    assert (s.status, s.as_of, s.report_id, s.light) == ("on_schedule", "2026-10-31", latest, "green")


def test_a_correction_on_the_same_date_replaces_the_earlier_report(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule")
    report(engine, actions, "fgw", "behind")
    assert state(engine, actions).status == "behind"


def test_supporting_units_reports_are_history_not_status(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule", "2026-09-30")
    report(engine, actions, "jt", "behind", "2026-10-31")
    assert state(engine, actions).status == "on_schedule"
    roles = [r.role for r in status.history(engine, actions, "4.1.17", include_private=False)]
    assert roles == ["lead", "support"]


def test_a_returned_report_is_ignored(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule", "2026-09-30")
    returned = report(engine, actions, "fgw", "behind", "2026-10-31")
    review_report(engine, "office", returned, "returned", "数据有误", now=NOW)
    assert state(engine, actions).status == "on_schedule"


def test_completed_counts_only_once_confirmed(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule", "2026-09-30")
    done = report(engine, actions, "fgw", "completed", "2026-10-31")
    s = state(engine, actions)
    assert (s.status, s.pending_completion) == ("on_schedule", True)
    assert status.completed_count(action_states(engine, actions, NOW)) == 0
    review_report(engine, "office", done, "confirmed", now=NOW)
    s = state(engine, actions)
    assert (s.status, s.pending_completion, s.light) == ("completed", False, "green")
    assert status.completed_count(action_states(engine, actions, NOW)) == 1


def test_a_returned_completion_is_not_pending(engine, actions, people):
    done = report(engine, actions, "fgw", "completed")
    review_report(engine, "office", done, "returned", "佐证不足", now=NOW)
    s = state(engine, actions)
    assert (s.status, s.pending_completion) == (None, False)


def test_the_office_sets_the_status_in_its_own_name_or_for_the_lead(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule", "2026-09-30")
    report(engine, actions, "office", "behind", "2026-10-31")
    assert state(engine, actions).status == "behind"
    report(engine, actions, "office", "long_term", "2026-11-01", on_behalf_of="省发改委")
    assert state(engine, actions).status == "long_term"
    report(engine, actions, "office", "behind", "2026-11-02", on_behalf_of="省交通运输厅")  # 代报 for a 配合 unit
    assert state(engine, actions).status == "long_term"


def test_reassigning_the_lead_makes_the_new_leads_reports_count(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule", "2026-09-30")
    done = report(engine, actions, "jt", "completed", "2026-10-31")
    review_report(engine, "office", done, "confirmed", now=NOW)
    assert state(engine, actions).status == "on_schedule"
    plan = set_lead(engine, actions, "office", "4.1.17", "省交通运输厅", 0, now=NOW)
    s = state(engine, actions)
    assert (plan.version, s.lead, s.status) == (1, "省交通运输厅", "completed")
    roles = [r.role for r in status.history(engine, actions, "4.1.17", include_private=False)]
    assert roles == ["support", "lead"]
    with pytest.raises(ledger.PlanRefused, match="省商务厅"):
        set_lead(engine, actions, "office", "4.1.17", "省商务厅", 1, now=NOW)


# ---------------------------------------------------------------- lights


@pytest.mark.parametrize(("code", "due", "expected"), [
    (None, None, "grey"),
    ("not_started", None, "grey"),
    ("on_schedule", None, "green"),
    ("long_term", None, "green"),
    ("adjusted", None, "green"),
    ("behind", None, "yellow"),
    ("on_schedule", "2026-12-28", "yellow"),  # 30 days ahead: inside the window
    ("on_schedule", "2026-12-29", "green"),   # 31 days ahead
    ("on_schedule", "2026-11-28", "yellow"),  # due today: not yet past
    (None, "2026-12-01", "yellow"),
    ("on_schedule", "2026-11-27", "red"),     # due yesterday
    (None, "2026-11-27", "red"),
    ("behind", "2020-01-01", "red"),
    ("completed", "2020-01-01", "green"),     # confirmed completed stays green past its due date
])
def test_light_rules(code, due, expected):
    assert light(code, due, TODAY) == expected


def test_lights_follow_the_shanghai_date(engine, actions, people):
    report(engine, actions, "fgw", "on_schedule")
    set_due(engine, actions, "office", "4.1.17", "2026-11-28", 0, now=NOW)
    # 2026-11-28 15:59 UTC is still the 28th in Shanghai; 16:00 UTC is the 29th: past due.
    assert state(engine, actions, now=datetime(2026, 11, 28, 15, 59, tzinfo=UTC)).light == "yellow"
    late = state(engine, actions, now=datetime(2026, 11, 28, 16, 0, tzinfo=UTC))
    assert (late.light, late.days_overdue) == ("red", 1)


def test_overdue_list(engine, actions, people):
    set_due(engine, actions, "office", "4.1.17", "2026-11-01", 0, now=NOW)
    set_due(engine, actions, "office", "2.1.01", "2026-10-01", 0, now=NOW)
    set_due(engine, actions, "office", "6.3.02", "2026-12-01", 0, now=NOW)
    done = submit_report(engine, actions, "office", "9.9.99", "completed", "2026-10-31", evidence="x", now=NOW)
    review_report(engine, "office", done, "confirmed", now=NOW)
    set_due(engine, actions, "office", "9.9.99", "2026-10-01", 0, now=NOW)
    listed = status.overdue(action_states(engine, actions, NOW))
    assert [(s.measure_id, s.days_overdue) for s in listed] == [("2.1.01", 58), ("4.1.17", 27)]


# ---------------------------------------------------------------- due dates


def test_a_stale_due_date_edit_gets_a_conflict(engine, actions, people):
    seen = ledger.plan_of(engine, "4.1.17").version
    set_due(engine, actions, "office", "4.1.17", "2027-06-30", seen, now=NOW)
    with pytest.raises(ledger.PlanConflict) as caught:
        set_due(engine, actions, "office2", "4.1.17", "2027-03-31", seen, now=NOW)
    assert caught.value.current_version == 1
    assert "office" in str(caught.value) and "2027-06-30" in str(caught.value) and "刷新" in str(caught.value)
    assert state(engine, actions).due == "2027-06-30"
    plan = set_due(engine, actions, "office2", "4.1.17", "2027-03-31", 1, now=NOW)
    assert (plan.version, plan.due, plan.login) == (2, "2027-03-31", "office2")
    assert set_due(engine, actions, "office", "4.1.17", None, 2, now=NOW).due is None


def test_only_the_office_sets_due_dates_and_they_must_be_dates(engine, actions, people):
    with pytest.raises(ledger.PlanRefused, match="只有办公室"):
        set_due(engine, actions, "fgw", "4.1.17", "2027-01-01", 0, now=NOW)
    with pytest.raises(ledger.PlanRefused, match="YYYY-MM-DD"):
        set_due(engine, actions, "office", "4.1.17", "next year", 0, now=NOW)
    with pytest.raises(ledger.PlanRefused, match="4.1.99"):
        set_due(engine, actions, "office", "4.1.99", "2027-01-01", 0, now=NOW)


# ---------------------------------------------------------------- 未按时报送


def test_late_units_use_quarters_in_shanghai(engine, actions, people):
    # Q4 2026 starts 2026-10-01 00:00 in Shanghai = 2026-09-30 16:00 UTC.
    before = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)
    after = datetime(2026, 9, 30, 16, 0, 0, tzinfo=UTC)
    mid_q4 = datetime(2026, 11, 15, tzinfo=UTC)
    submit_report(engine, actions, "fgw", "4.1.17", "on_schedule", "2026-09-30", now=before)
    late = {lu.unit: lu for lu in status.late_units(engine, actions, mid_q4)}
    assert late["省发改委"].missing == ("4.1.17",)
    # In Q3 (before the boundary), the same report was this quarter's.
    assert "省发改委" not in {lu.unit for lu in status.late_units(engine, actions, before)}
    # One hour into Q4 in Shanghai (still 30 September in UTC), it is last quarter's.
    one_hour_in = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert "4.1.17" in {lu.unit: lu for lu in status.late_units(engine, actions, one_hour_in)}["省发改委"].missing
    submit_report(engine, actions, "fgw", "4.1.17", "on_schedule", "2026-09-30", now=after)
    late = {lu.unit: lu for lu in status.late_units(engine, actions, mid_q4)}
    assert "省发改委" not in late
    assert late["省工信厅"].missing == ("2.1.01",) and late["省文旅厅"].missing == ("6.3.02",)
    assert late["省交通运输厅"].missing == ("9.9.99",)


def test_returned_reports_and_supporting_reports_do_not_count_as_reported(engine, actions, people):
    returned = submit_report(engine, actions, "fgw", "4.1.17", "on_schedule", "2026-11-01", now=NOW)
    review_report(engine, "office", returned, "returned", "请补充", now=NOW)
    submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-11-01", now=NOW)
    late = {lu.unit: lu for lu in status.late_units(engine, actions, NOW)}
    assert late["省发改委"].missing == ("4.1.17",)
    submit_report(engine, actions, "office", "4.1.17", "on_schedule", "2026-11-01", on_behalf_of="省发改委", now=NOW)
    assert "省发改委" not in {lu.unit for lu in status.late_units(engine, actions, NOW)}


def test_completed_actions_need_no_quarterly_report(engine, actions, people):
    done = submit_report(engine, actions, "jt", "9.9.99", "completed", "2026-06-30", evidence="x",
                         now=datetime(2026, 7, 1, tzinfo=UTC))
    review_report(engine, "office", done, "confirmed", now=datetime(2026, 7, 2, tzinfo=UTC))
    assert "省交通运输厅" not in {lu.unit for lu in status.late_units(engine, actions, NOW)}


# ---------------------------------------------------------------- orphans, queue, sheet


def test_reports_on_actions_no_longer_in_measures_are_kept_and_listed(engine, actions, people):
    orphan = submit_report(engine, actions, "jt", "9.9.99", "on_schedule", "2026-10-31", "保留", now=NOW)
    submit_report(engine, actions, "jt", "4.1.17", "on_schedule", "2026-10-31", now=NOW)
    current = {k: v for k, v in actions.items() if k != "9.9.99"}
    [listed] = status.orphan_reports(engine, current)
    assert (listed.id, listed.measure_id, listed.note) == (orphan, "9.9.99", "保留")
    assert "9.9.99" not in action_states(engine, current, NOW)
    assert len(status.full_history(engine, current)) == 2


def test_review_queue_puts_completion_claims_first(engine, actions, people):
    first = report(engine, actions, "fgw", "on_schedule")
    claim = report(engine, actions, "jt", "completed")
    reviewed = report(engine, actions, "fgw", "behind")
    review_report(engine, "office", reviewed, "confirmed", now=NOW)
    assert [r.id for r in status.review_queue(engine, actions)] == [claim, first]
    assert ledger.unreviewed_reports(engine, "4.1.17") == [(first, "省发改委", "on_schedule"),
                                                           (claim, "省交通运输厅", "completed")]


def test_supervision_sheet(engine, actions, people):
    set_due(engine, actions, "office", "4.1.17", "2026-11-01", 0, now=NOW)
    report(engine, actions, "fgw", "behind")
    sheet = status.supervision_sheet(engine, actions, "省发改委", NOW)
    assert [s.measure_id for s in sheet.overdue] == ["4.1.17"]
    assert sheet.not_reported == [] and sheet.behind == []
    text = status.render_sheet(sheet, {"4.1.17": "集疏运体系示范工程"})
    assert "督办单 · 省发改委" in text and "4.1.17 集疏运体系示范工程（截止 2026-11-01，逾期 27 天）" in text
    assert "不得填报涉密信息" in text
    other = status.supervision_sheet(engine, actions, "省工信厅", NOW)
    assert other.not_reported == ["2.1.01"] and not other.overdue


# ---------------------------------------------------------------- what pages aggregate


def test_privacy_of_history_and_tables(engine, actions, people):
    rid = report(engine, actions, "fgw", "behind")
    review_report(engine, "office", rid, "returned", "内部意见", now=NOW)
    report(engine, actions, "fgw", "on_schedule")
    public = status.history(engine, actions, "4.1.17", include_private=False)
    assert all(r.note is None and r.evidence is None for r in public)
    assert public[0].review.decision == "returned" and public[0].review.reason is None
    private = status.history(engine, actions, "4.1.17", include_private=True)
    assert private[0].review.reason == "内部意见"
    states = action_states(engine, actions, NOW)
    assert "note" not in status.status_frame(states).columns
    frame = status.status_frame(states, status.current_details(engine, states))
    assert frame.loc["4.1.17", ["status", "status_zh", "light", "note"]].tolist() == [
        "on_schedule", "序时推进", "green", ""]


def test_place_lights_take_the_worst_and_count(engine, actions, people):
    set_due(engine, actions, "office", "2.1.01", "2026-01-01", 0, now=NOW)
    report(engine, actions, "fgw", "on_schedule")
    states = action_states(engine, actions, NOW)
    places = {"4.1.17": ("350300",), "2.1.01": ("350300", "350100"), "6.3.02": ("350100",)}
    lights = status.place_lights(states, places)
    assert lights["350300"].light == "red"
    assert lights["350300"].counts == {"green": 1, "yellow": 0, "red": 1, "grey": 0}
    assert lights["350100"].light == "red"
    assert status.place_lights(states, {"4.1.17": ("350300",), "6.3.02": ("350300",)})["350300"].light == "green"
    assert status.worst_light([]) == "grey"


def test_unit_progress_and_ledger_frame(engine, actions, people):
    done = report(engine, actions, "fgw", "completed")
    review_report(engine, "office", done, "confirmed", now=NOW)
    set_due(engine, actions, "office", "2.1.01", "2026-01-01", 0, now=NOW)
    states = action_states(engine, actions, NOW)
    progress = status.unit_progress(states)
    assert progress["省发改委"] == status.UnitProgress(led=1, completed=1, red=0)
    assert progress["省工信厅"] == status.UnitProgress(led=1, completed=0, red=1)
    frame = status.ledger_frame(states, {"4.1.17": "示范工程"})
    assert frame["lead_today"].tolist() == sorted(frame["lead_today"])
    assert frame.set_index("measure_id").loc["4.1.17", "title"] == "示范工程"


def test_my_actions(engine, actions, people):
    states = action_states(engine, actions, NOW)
    assert status.my_actions(actions, states, people["jt"]) == [("4.1.17", "support"), ("9.9.99", "lead")]
    assert status.my_actions(actions, states, people["office"]) == [(m, "office") for m in actions]
    assert status.my_actions(actions, states, people["sw"]) == [("2.1.01", "support")]



def test_status_and_light_filters(engine, actions, people):
    report(engine, actions, "fgw", "behind")
    submit_report(engine, actions, "sw", "2.1.01", "on_schedule", "2026-10-31", now=NOW)  # 配合: sets nothing
    states = action_states(engine, actions, NOW)
    assert status.matching_actions(states) == set(actions)
    assert status.matching_actions(states, statuses={"behind"}) == {"4.1.17"}
    assert status.matching_actions(states, statuses={status.NO_STATUS}) == {"2.1.01", "6.3.02", "9.9.99"}
    assert status.matching_actions(states, lights={"yellow", "red"}) == {"4.1.17"}
    assert status.matching_actions(states, statuses={"behind"}, lights={"green"}) == set()
