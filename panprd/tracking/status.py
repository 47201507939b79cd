"""Reading the ledger: each action's current status and traffic light, histories, and the office's lists.

The rules, in one place:

- Current status: the latest report (by as-of date, then submission order) from the action's 牵头
  unit (the text's first unit unless the office reassigned it; a 代报 for it counts) or from the
  office in its own name, that was not returned; a `completed` report counts only once
  confirmed. 配合 units' reports appear in the history and set nothing.
- Light, against today in Asia/Shanghai: green when completed and confirmed; otherwise red when
  the due date has passed; otherwise yellow when behind, or when due within 30 days (today
  included); otherwise green when on schedule, long term or adjusted; otherwise grey (no
  report, or not started: neither claims progress).
- A Fujian unit's colour on the map (`place_lights`) is the worst light of the actions that
  name it (red > yellow > green > grey), with the count of each light for its tooltip: one
  overdue action makes a city red, whatever its others show.
- 未按时报送 (`late_units`): a lead unit that has, on an action it leads and that is not
  completed, no report (its own or 代报, not returned) submitted since the start of the current
  quarter in Asia/Shanghai.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import aliased

from panprd.tracking import clock, schema
from panprd.tracking.accounts import Account
from panprd.tracking.ledger import STATUSES, Plan, plans
from panprd.tracking.store import reading
from panprd.tracking.units import OFFICE_UNIT, Action
from panprd.vocab import Term

LIGHTS: dict[str, Term] = {t.key: t for t in (
    Term("green", "绿灯（正常）", "Green (on track)"),
    Term("yellow", "黄灯（预警）", "Yellow (warning)"),
    Term("red", "红灯（逾期）", "Red (overdue)"),
    Term("grey", "灰（未填报）", "Grey (no report)"),
)}
LIGHT_SEVERITY = ("red", "yellow", "green", "grey")  # worst first
DUE_SOON = timedelta(days=30)
GREEN_STATUSES = ("on_schedule", "long_term", "adjusted")


@dataclass(frozen=True)
class Review:
    decision: str  # confirmed | returned
    reason: str | None  # None when hidden from a viewer who is not signed in
    login: str
    created_at: str


@dataclass(frozen=True)
class ReportView:
    """One report as the history shows it. `note` and `evidence` are None when hidden."""

    id: int
    measure_id: str
    status: str
    as_of: str
    note: str | None
    evidence: str | None
    unit: str
    login: str
    on_behalf: bool
    created_at: str
    review: Review | None
    role: str = ""  # lead | support | office, relative to the action's current lead; "" when not listed

    @property
    def returned(self) -> bool:
        return self.review is not None and self.review.decision == "returned"

    @property
    def confirmed(self) -> bool:
        return self.review is not None and self.review.decision == "confirmed"


@dataclass(frozen=True)
class ActionState:
    measure_id: str
    lead: str | None
    status: str | None  # None: no report sets a status
    as_of: str | None
    report_id: int | None
    due: str | None
    plan_version: int
    light: str
    pending_completion: bool  # a `completed` report newer than the status awaits the office
    days_overdue: int | None  # when past due and not completed


# ---------------------------------------------------------------- rules (pure)


def counts_for_status(report: ReportView) -> bool:
    """Not returned, and a `completed` report only once confirmed."""
    return not report.returned and (report.status != "completed" or report.confirmed)


def current_report(reports: list[ReportView], lead: str | None) -> ReportView | None:
    """The report that sets an action's status (see the module docstring), or None."""
    eligible = [r for r in reports if r.unit in (lead, OFFICE_UNIT) and counts_for_status(r)]
    return max(eligible, key=lambda r: (r.as_of, r.id), default=None)


def light(status: str | None, due: str | None, today: date) -> str:
    """The traffic light of an action with this current status and due date (module docstring)."""
    if status == "completed":
        return "green"
    due_date = date.fromisoformat(due) if due else None
    if due_date is not None and due_date < today:
        return "red"
    if status == "behind" or (due_date is not None and due_date - today <= DUE_SOON):
        return "yellow"
    if status in GREEN_STATUSES:
        return "green"
    return "grey"


def worst_light(lights: list[str]) -> str:
    return min(lights, key=LIGHT_SEVERITY.index, default="grey")


def compute_states(actions: Mapping[str, Action], reports: list[ReportView], plan_by_measure: Mapping[str, Plan],
                   today: date) -> dict[str, ActionState]:
    """Every action's state from its reports (any order) and plan; actions without either are grey."""
    by_measure: dict[str, list[ReportView]] = {}
    for report in reports:
        by_measure.setdefault(report.measure_id, []).append(report)
    states = {}
    for mid, action in actions.items():
        plan = plan_by_measure.get(mid)
        lead = plan.lead if plan and plan.lead else action.lead
        mine = by_measure.get(mid, [])
        current = current_report(mine, lead)
        status = current.status if current else None
        due = plan.due if plan else None
        colour = light(status, due, today)
        newer = (current.as_of, current.id) if current else ("", 0)
        pending = any(r.status == "completed" and r.review is None and r.unit in (lead, OFFICE_UNIT)
                      and (r.as_of, r.id) > newer for r in mine)
        overdue = (today - date.fromisoformat(due)).days if colour == "red" and due else None
        states[mid] = ActionState(mid, lead, status, current.as_of if current else None,
                                  current.id if current else None, due, plan.version if plan else 0, colour,
                                  pending, overdue)
    return states


def role_of(report: ReportView, action: Action | None, lead: str | None) -> str:
    if report.unit == OFFICE_UNIT:
        return "office"
    if action is None or report.unit not in action.units:
        return ""
    return "lead" if report.unit == lead else "support"


# ---------------------------------------------------------------- reading


def load_reports(connection: Connection, *, include_private: bool, where=None) -> list[ReportView]:
    """Reports with their review and logins, in submission order. Private text only when asked."""
    reporter = aliased(schema.accounts)
    reviewer = aliased(schema.accounts)
    r, v = schema.reports, schema.reviews
    query = (select(r, reporter.c.login, v.c.decision, v.c.reason, v.c.created_at.label("reviewed_at"),
                    reviewer.c.login.label("reviewer"))
             .join(reporter, reporter.c.id == r.c.account_id)
             .outerjoin(v, v.c.report_id == r.c.id)
             .outerjoin(reviewer, reviewer.c.id == v.c.account_id)
             .order_by(r.c.id))
    if where is not None:
        query = query.where(where)
    out = []
    for row in connection.execute(query):
        review = (Review(row.decision, row.reason if include_private else None, row.reviewer, row.reviewed_at)
                  if row.decision else None)
        out.append(ReportView(row.id, row.measure_id, row.status, row.as_of,
                              row.note if include_private else None, row.evidence if include_private else None,
                              row.unit, row.login, bool(row.on_behalf), row.created_at, review))
    return out


def _with_roles(reports: list[ReportView], actions: Mapping[str, Action], states: Mapping[str, ActionState]
                ) -> list[ReportView]:
    out = []
    for report in reports:
        state = states.get(report.measure_id)
        role = role_of(report, actions.get(report.measure_id), state.lead if state else None)
        out.append(replace(report, role=role))
    return out


def action_states(engine: Engine, actions: Mapping[str, Action], now: datetime | None = None
                  ) -> dict[str, ActionState]:
    """Status, light, as-of and due date of every action: what maps, filters and tables show.

    Cache it on `store.last_change(engine)`; it holds nothing private.
    """
    with reading(engine) as connection:
        reports = load_reports(connection, include_private=False)
        plan_by_measure = plans(connection)
    return compute_states(actions, reports, plan_by_measure, clock.today(now))


def history(engine: Engine, actions: Mapping[str, Action], measure_id: str, *, include_private: bool,
            now: datetime | None = None) -> list[ReportView]:
    """Every report on one action with its review, oldest first (notes, evidence, reasons only if private)."""
    with reading(engine) as connection:
        reports = load_reports(connection, include_private=include_private,
                               where=schema.reports.c.measure_id == measure_id)
        plan_by_measure = plans(connection)
    states = compute_states({k: v for k, v in actions.items() if k == measure_id}, reports, plan_by_measure,
                            clock.today(now))
    return _with_roles(reports, actions, states)


def full_history(engine: Engine, actions: Mapping[str, Action], now: datetime | None = None) -> list[ReportView]:
    """Every report, private text included (the office's download)."""
    with reading(engine) as connection:
        reports = load_reports(connection, include_private=True)
        plan_by_measure = plans(connection)
    return _with_roles(reports, actions, compute_states(actions, reports, plan_by_measure, clock.today(now)))


def history_frame(reports: list[ReportView]) -> pd.DataFrame:
    """Reports as a table for CSV/Excel; hidden text stays empty."""
    columns = ["report_id", "measure_id", "status", "status_zh", "as_of", "unit", "role", "on_behalf", "login",
               "created_at", "note", "evidence", "review", "review_reason", "reviewed_by", "reviewed_at"]
    rows = [[r.id, r.measure_id, r.status, STATUSES[r.status].zh if r.status in STATUSES else r.status, r.as_of,
             r.unit, r.role, r.on_behalf, r.login, r.created_at, r.note or "", r.evidence or "",
             r.review.decision if r.review else "", (r.review.reason or "") if r.review else "",
             r.review.login if r.review else "", r.review.created_at if r.review else ""] for r in reports]
    return pd.DataFrame(rows, columns=columns)


def review_queue(engine: Engine, actions: Mapping[str, Action], now: datetime | None = None) -> list[ReportView]:
    """Reports on known actions that no review has touched: `completed` claims first, then oldest first."""
    pending = [r for r in full_history(engine, actions, now) if r.review is None and r.measure_id in actions]
    return sorted(pending, key=lambda r: (r.status != "completed", r.id))


def orphan_reports(engine: Engine, actions: Mapping[str, Action]) -> list[ReportView]:
    """Reports whose measure_id is no longer in measures.csv: kept, listed, never dropped."""
    with reading(engine) as connection:
        reports = load_reports(connection, include_private=True,
                               where=schema.reports.c.measure_id.not_in(list(actions)) if actions else None)
    return reports


def current_details(engine: Engine, states: Mapping[str, ActionState]) -> dict[str, tuple[str, str]]:
    """measure_id → (note, evidence) of the report behind each status: for signed-in downloads only."""
    ids = {s.report_id: s.measure_id for s in states.values() if s.report_id is not None}
    if not ids:
        return {}
    with reading(engine) as connection:
        rows = connection.execute(select(schema.reports.c.id, schema.reports.c.note, schema.reports.c.evidence)
                                  .where(schema.reports.c.id.in_(list(ids)))).all()
    return {ids[row.id]: (row.note, row.evidence) for row in rows}


# ---------------------------------------------------------------- the office's lists


def overdue(states: Mapping[str, ActionState]) -> list[ActionState]:
    """Actions past their due date and not completed, longest overdue first."""
    late = [s for s in states.values() if s.light == "red"]
    return sorted(late, key=lambda s: (-(s.days_overdue or 0), s.measure_id))


@dataclass(frozen=True)
class LateUnit:
    unit: str
    missing: tuple[str, ...]  # actions it leads with no report this quarter
    led: int  # actions it leads that are not completed


def late_units(engine: Engine, actions: Mapping[str, Action], now: datetime | None = None) -> list[LateUnit]:
    """未按时报送: lead units with no report this quarter (Asia/Shanghai) on an open action they lead."""
    since = clock.stamp(clock.quarter_start(now))
    with reading(engine) as connection:
        reports = load_reports(connection, include_private=False)
        plan_by_measure = plans(connection)
    states = compute_states(actions, reports, plan_by_measure, clock.today(now))
    reported = {(r.measure_id, r.unit) for r in reports if r.created_at >= since and not r.returned}
    led: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for mid, state in states.items():
        if state.lead is None or state.status == "completed":
            continue
        led.setdefault(state.lead, []).append(mid)
        if (mid, state.lead) not in reported:
            missing.setdefault(state.lead, []).append(mid)
    return [LateUnit(unit, tuple(mids), len(led[unit])) for unit, mids in sorted(missing.items())]


@dataclass(frozen=True)
class SupervisionSheet:
    """督办单: what one unit is asked to act on, as of a date."""

    unit: str
    date: str
    overdue: list[ActionState] = field(default_factory=list)
    behind: list[ActionState] = field(default_factory=list)
    due_soon: list[ActionState] = field(default_factory=list)
    not_reported: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.behind or self.due_soon or self.not_reported)


def supervision_sheet(engine: Engine, actions: Mapping[str, Action], unit: str, now: datetime | None = None
                      ) -> SupervisionSheet:
    """The 督办单 of one unit: its led actions overdue, behind, due within 30 days, unreported this quarter."""
    states = action_states(engine, actions, now)
    mine = [s for s in states.values() if s.lead == unit]
    late = next((lu for lu in late_units(engine, actions, now) if lu.unit == unit), None)
    return SupervisionSheet(
        unit=unit, date=clock.today(now).isoformat(),
        overdue=[s for s in overdue(states) if s.lead == unit],
        behind=[s for s in mine if s.status == "behind" and s.light != "red"],
        due_soon=[s for s in mine if s.light == "yellow" and s.status != "behind"],
        not_reported=list(late.missing) if late else [])


def render_sheet(sheet: SupervisionSheet, titles: Mapping[str, str]) -> str:
    """The 督办单 as plain text (for print or the CLI); `titles` maps measure_id → title."""
    def line(state: ActionState, extra: str) -> str:
        return f"  {state.measure_id} {titles.get(state.measure_id, '')}{extra}"

    out = [f"督办单 · {sheet.unit}", f"日期：{sheet.date}", ""]
    sections = [
        ("一、逾期未完成", [line(s, f"（截止 {s.due}，逾期 {s.days_overdue} 天）") for s in sheet.overdue]),
        ("二、进度滞后", [line(s, f"（截至 {s.as_of}）") for s in sheet.behind]),
        ("三、30 天内到期", [line(s, f"（截止 {s.due}）") for s in sheet.due_soon]),
        ("四、本季度未报送", [f"  {mid} {titles.get(mid, '')}" for mid in sheet.not_reported]),
    ]
    for heading, lines in sections:
        out.append(heading)
        out.extend(lines or ["  无"])
    out += ["", "请于收到后按要求报送进展。不得填报涉密信息。"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- what pages show


def my_actions(actions: Mapping[str, Action], states: Mapping[str, ActionState], account: Account
               ) -> list[tuple[str, str]]:
    """(measure_id, role) of the actions an account may report on: lead or support through one of its
    units, and for the office every other action as "office"."""
    out = []
    for mid, action in actions.items():
        lead = states[mid].lead if mid in states else action.lead
        if lead in account.units:
            out.append((mid, "lead"))
        elif set(account.units) & set(action.units):
            out.append((mid, "support"))
        elif account.is_office:
            out.append((mid, "office"))
    return out


@dataclass(frozen=True)
class UnitProgress:
    led: int
    completed: int  # confirmed completed
    red: int


def unit_progress(states: Mapping[str, ActionState]) -> dict[str, UnitProgress]:
    """Per lead unit (today's name): actions led, confirmed completed, red; for the units matrix."""
    out: dict[str, list[ActionState]] = {}
    for state in states.values():
        if state.lead:
            out.setdefault(state.lead, []).append(state)
    return {unit: UnitProgress(len(ss), sum(s.status == "completed" for s in ss), sum(s.light == "red" for s in ss))
            for unit, ss in sorted(out.items())}


@dataclass(frozen=True)
class PlaceLight:
    light: str
    counts: dict[str, int]


def place_lights(states: Mapping[str, ActionState], places_by_measure: Mapping[str, tuple[str, ...]]
                 ) -> dict[str, PlaceLight]:
    """A Fujian unit's map colour: the worst light of the actions naming it, with counts per light.

    `places_by_measure` is measure_id → Fujian unit codes (`ds.measures["fujian_units"]`).
    """
    lights: dict[str, list[str]] = {}
    for mid, codes in places_by_measure.items():
        if mid in states:
            for code in codes:
                lights.setdefault(code, []).append(states[mid].light)
    return {code: PlaceLight(worst_light(ls), {k: ls.count(k) for k in LIGHTS}) for code, ls in lights.items()}


NO_STATUS = "none"  # the `status` filter value of actions no report sets a status for


def matching_actions(states: Mapping[str, ActionState], statuses: Collection[str] = (),
                     lights: Collection[str] = ()) -> set[str]:
    """Actions passing the `status` and `light` URL filters: any of the values within one filter,
    both filters together; an empty filter passes everything. `NO_STATUS` matches no status."""
    return {mid for mid, s in states.items()
            if (not statuses or (s.status or NO_STATUS) in statuses) and (not lights or s.light in lights)}


def completed_count(states: Mapping[str, ActionState]) -> int:
    """Confirmed completed actions (the overview's 已完成 N / 214)."""
    return sum(s.status == "completed" for s in states.values())


def status_frame(states: Mapping[str, ActionState], details: Mapping[str, tuple[str, str]] | None = None
                 ) -> pd.DataFrame:
    """Columns to join onto the measures by measure_id for tables and downloads.

    status, status_zh, light, as_of, due, lead_today; plus note and evidence only when `details`
    (from `current_details`, signed-in users only) is given.
    """
    rows = []
    for mid, s in states.items():
        row = {"measure_id": mid, "status": s.status or "", "status_zh": STATUSES[s.status].zh if s.status else "",
               "light": s.light, "as_of": s.as_of or "", "due": s.due or "", "lead_today": s.lead or ""}
        if details is not None:
            row["note"], row["evidence"] = details.get(mid, ("", ""))
        rows.append(row)
    columns = ["measure_id", "status", "status_zh", "light", "as_of", "due", "lead_today"]
    if details is not None:
        columns += ["note", "evidence"]
    return pd.DataFrame(rows, columns=columns).set_index("measure_id", drop=False)


def ledger_frame(states: Mapping[str, ActionState], titles: Mapping[str, str]) -> pd.DataFrame:
    """The Excel 台账 sheet: one row per action, grouped by lead unit, in text order within a unit."""
    frame = status_frame(states).reset_index(drop=True)
    frame.insert(1, "title", frame["measure_id"].map(lambda m: titles.get(m, "")))
    key = frame["measure_id"].map(lambda m: tuple(int(p) for p in m.split(".")))
    return frame.assign(_key=key).sort_values(["lead_today", "_key"]).drop(columns="_key").reset_index(drop=True)
