"""Writing the ledger: reports, the office's reviews, and plan changes (due date, lead unit).

Every write is an INSERT: a correction is a new report, a review is a row pointing at a report,
a new due date is a new plan version. The same checks serve the form, the CLI and the Excel
import (`check_report`), so a rule cannot differ between them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, exc, insert, select

from panprd.tracking import clock, schema
from panprd.tracking.accounts import Account, deactivated_message, load_accounts
from panprd.tracking.store import TrackingError, reading, writing
from panprd.tracking.units import OFFICE_UNIT, Action
from panprd.vocab import Term

STATUSES: dict[str, Term] = {t.key: t for t in (
    Term("not_started", "未启动", "Not started"),
    Term("on_schedule", "序时推进", "On schedule"),
    Term("behind", "进度滞后", "Behind schedule"),
    Term("completed", "已完成", "Completed"),
    Term("long_term", "长期推进", "Long-term"),
    Term("adjusted", "已调整", "Adjusted"),
)}
EVIDENCE_REQUIRED = ("completed", "adjusted")
NOTE_MAX = 2000
EVIDENCE_MAX = 500
REASON_MAX = 2000
SECRECY_REMINDER = "不得填报涉密信息 / Do not enter classified information."
DECISIONS = ("confirmed", "returned")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Control characters other than tab, newline and carriage return, and lone surrogates: not text a person typed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class Problem:
    """One reason a report is refused; `field` is measure_id, status, as_of, note, evidence, unit or account."""

    field: str
    message: str


class ReportRefused(TrackingError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


class ReviewRefused(TrackingError):
    pass


class PlanRefused(TrackingError):
    pass


class PlanConflict(PlanRefused):
    """The plan changed since the editor loaded it (stale `expected_version`)."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.current_version = current_version


@dataclass(frozen=True)
class Draft:
    """A report that passed every check, ready to insert."""

    measure_id: str
    status: str
    as_of: str
    note: str
    evidence: str
    unit: str
    account_id: int
    on_behalf: bool


@dataclass(frozen=True)
class Plan:
    measure_id: str
    version: int  # 0: never set
    due: str | None
    lead: str | None  # None: the text's first unit leads
    login: str | None
    created_at: str | None


def status_code(value: str) -> str | None:
    """The status code of a code or its Chinese or English label (for imported sheets); None if unknown."""
    value = value.strip()
    for term in STATUSES.values():
        if value in (term.key, term.zh) or value.lower() == term.en.lower():
            return term.key
    return None


def parse_date(value: str | date, field: str, now: datetime | None = None, *, not_after_today: bool = True
               ) -> tuple[str | None, Problem | None]:
    """An ISO date between the policy's issue date and (optionally) today in Asia/Shanghai."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = date.fromisoformat(text) if _ISO_DATE.match(text) else None
        except ValueError:
            parsed = None
        if parsed is None:
            return None, Problem(field, f"日期 '{text[:20]}' 无效，应为 YYYY-MM-DD / '{text[:20]}' is not a date "
                                        "of the form YYYY-MM-DD.")
    if parsed < clock.POLICY_DATE:
        return None, Problem(field, f"日期 {parsed} 早于政策印发日 {clock.POLICY_DATE} / {parsed} is before the "
                                    f"policy's issue date {clock.POLICY_DATE}.")
    today = clock.today(now)
    if not_after_today and parsed > today:
        return None, Problem(field, f"日期 {parsed} 晚于今天 {today}（北京时间）/ {parsed} is after today, "
                                    f"{today} (Beijing time).")
    return parsed.isoformat(), None


def _text_problems(value: str, field: str, label: str, limit: int) -> list[Problem]:
    out = []
    if len(value) > limit:
        out.append(Problem(field, f"{label}不得超过 {limit} 字（现 {len(value)} 字）/ The {field} is {len(value):,} "
                                  f"characters; at most {limit:,} are allowed."))
    if _CONTROL.search(value):
        out.append(Problem(field, f"{label}含有控制字符或无效字符 / The {field} contains control or invalid "
                                  "characters."))
    return out


def who_can_report(action: Action) -> str:
    return "、".join(action.units) if action.units else "（仅办公室代报 / only the office, on a unit's behalf）"


def check_report(actions: Mapping[str, Action], account: Account, measure_id: str, status: str,
                 as_of: str | date, note: str = "", evidence: str = "", *, unit: str | None = None,
                 on_behalf_of: str | None = None, now: datetime | None = None,
                 lead: str | None = None) -> tuple[Draft | None, list[Problem]]:
    """Check one report against every rule; (draft, []) when it may be stored, (None, problems) otherwise.

    `lead` is the action's current 牵头 unit (after any reassignment); it picks the unit of an
    account that belongs to several of the action's units.
    """
    problems: list[Problem] = []
    if not account.active:
        problems.append(Problem("account", deactivated_message(account)))
    action = actions.get(measure_id)
    if action is None:
        problems.append(Problem("measure_id", f"措施 {measure_id[:20]} 不存在 / There is no action "
                                              f"{measure_id[:20]} in measures.csv."))
    if status not in STATUSES:
        problems.append(Problem("status", f"未知状态 '{status[:20]}'；应为 {'、'.join(STATUSES)} / Unknown status "
                                          f"'{status[:20]}'; expected one of {', '.join(STATUSES)}."))
    as_of_text, problem = parse_date(as_of, "as_of", now)
    if problem:
        problems.append(problem)
    problems += _text_problems(note, "note", "备注", NOTE_MAX)
    problems += _text_problems(evidence, "evidence", "佐证", EVIDENCE_MAX)
    if status in EVIDENCE_REQUIRED and not evidence.strip():
        why = "须注明调整依据" if status == "adjusted" else "须提供佐证（文号、标题或网址）"
        problems.append(Problem("evidence", f"{STATUSES[status].zh}{why} / A '{status}' report needs evidence "
                                            "(document number, title or URL)" +
                                            (" citing the basis of the adjustment." if status == "adjusted" else ".")))
    chosen, on_behalf = None, False
    if action is not None:
        chosen, on_behalf, problem = _reporting_unit(action, account, unit, on_behalf_of, lead or action.lead)
        if problem:
            problems.append(problem)
    if problems:
        return None, problems
    assert chosen is not None and as_of_text is not None
    return Draft(measure_id, status, as_of_text, note, evidence, chosen, account.id, on_behalf), []


def _not_listed(action: Action, units: str) -> Problem:
    """The refusal that names the units which can report on the action."""
    return Problem("unit", f"措施 {action.measure_id} 的责任单位不包括{units}，不能填报；可填报的单位："
                           f"{who_can_report(action)} / {units} is not listed for action {action.measure_id}; the "
                           f"units that can report are: {', '.join(action.units) or 'none (the office reports)'}.")


def _reporting_unit(action: Action, account: Account, unit: str | None, on_behalf_of: str | None,
                    lead: str | None) -> tuple[str | None, bool, Problem | None]:
    """The unit a report is filed under, whether it is 代报, or why the account may not report here."""
    if on_behalf_of:
        if not account.is_office:
            return None, False, Problem("unit", "只有办公室可以代报 / Only the office reports on a unit's behalf.")
        if on_behalf_of not in action.units:
            return None, False, _not_listed(action, on_behalf_of)
        return on_behalf_of, True, None
    if unit:
        if unit not in account.units:
            return None, False, Problem("unit", f"账号 {account.login} 不属于 {unit} / The account {account.login} "
                                                f"does not belong to {unit}.")
        if unit not in action.units:
            return None, False, _not_listed(action, unit)
        return unit, False, None
    listed = [u for u in action.units if u in account.units]
    if listed:
        return (lead if lead in listed else listed[0]), False, None
    if account.is_office:
        return OFFICE_UNIT, False, None
    return None, False, _not_listed(action, "、".join(account.units) or account.login)


def _account(connection: Connection, login: str) -> Account:
    found = load_accounts(connection, schema.accounts.c.login == login)
    if not found:
        raise ReportRefused([Problem("account", f"无此账号 {login} / No account {login}.")])
    return found[0]


def plans(connection: Connection) -> dict[str, Plan]:
    """The current plan of every action that ever had one (highest version wins)."""
    rows = connection.execute(
        select(schema.plan_changes, schema.accounts.c.login)
        .join(schema.accounts, schema.accounts.c.id == schema.plan_changes.c.account_id)
        .order_by(schema.plan_changes.c.measure_id, schema.plan_changes.c.version)).all()
    return {row.measure_id: Plan(row.measure_id, row.version, row.due, row.lead, row.login, row.created_at)
            for row in rows}


def plan_of(engine: Engine, measure_id: str) -> Plan:
    with reading(engine) as connection:
        return plans(connection).get(measure_id, Plan(measure_id, 0, None, None, None, None))


def insert_reports(connection: Connection, drafts: list[Draft], now: datetime | None = None) -> list[int]:
    stamp = clock.stamp(now)
    ids = []
    for draft in drafts:
        result = connection.execute(insert(schema.reports).values(**asdict(draft), created_at=stamp))
        ids.append(result.inserted_primary_key[0])
    return ids


def submit_report(engine: Engine, actions: Mapping[str, Action], login: str, measure_id: str, status: str,
                  as_of: str | date, note: str = "", evidence: str = "", *, unit: str | None = None,
                  on_behalf_of: str | None = None, now: datetime | None = None) -> int:
    """Store one report after every check (ReportRefused with all problems otherwise); returns its id.

    A reporter reports on actions where one of its units is listed; the office on any action, in
    its own name or on a listed unit's behalf (`on_behalf_of`, 代报). Concurrent submissions each
    insert their own row: nothing is overwritten.
    """
    with reading(engine) as connection:
        account = _account(connection, login)
        lead = plans(connection).get(measure_id)
    current_lead = lead.lead if lead and lead.lead else None
    draft, problems = check_report(actions, account, measure_id, status, as_of, note, evidence, unit=unit,
                                   on_behalf_of=on_behalf_of, now=now, lead=current_lead)
    if problems:
        raise ReportRefused(problems)
    assert draft is not None
    with writing(engine) as connection:
        return insert_reports(connection, [draft], now)[0]


def _office(connection: Connection, login: str, refused: type[TrackingError]) -> Account:
    found = load_accounts(connection, schema.accounts.c.login == login)
    if not found:
        raise refused(f"无此账号 {login} / No account {login}.")
    account = found[0]
    if not account.active:
        raise refused(deactivated_message(account))
    if not account.is_office:
        raise refused(f"只有办公室账号可以执行此操作 / Only an office account can do this ({login} is a reporter).")
    return account


def review_report(engine: Engine, login: str, report_id: int, decision: str, reason: str = "",
                  now: datetime | None = None) -> int:
    """The office confirms (审核 → 销号) or returns (with a reason) one report; returns the review's id.

    A report is reviewed once: a returned report is corrected by a new report, not by a second review.
    """
    if decision not in DECISIONS:
        raise ReviewRefused(f"未知审核结论 '{decision}' / Unknown decision '{decision}': confirmed or returned.")
    if decision == "returned" and not reason.strip():
        raise ReviewRefused("退回须说明理由 / A returned report needs a reason.")
    problems = _text_problems(reason, "reason", "理由", REASON_MAX)
    if problems:
        raise ReviewRefused("\n".join(p.message for p in problems))
    with reading(engine) as connection:
        account = _office(connection, login, ReviewRefused)
        report = connection.execute(select(schema.reports.c.id).where(schema.reports.c.id == report_id)).first()
    if report is None:
        raise ReviewRefused(f"无此填报 #{report_id} / No report #{report_id}.")
    try:
        with writing(engine) as connection:
            return connection.execute(insert(schema.reviews).values(
                report_id=report_id, decision=decision, reason=reason, account_id=account.id,
                created_at=clock.stamp(now))).inserted_primary_key[0]
    except exc.IntegrityError:
        raise ReviewRefused(f"填报 #{report_id} 已审核过；更正请提交新的填报 / Report #{report_id} has already been "
                            "reviewed; a correction is a new report.") from None


def unreviewed_reports(engine: Engine, measure_id: str) -> list[tuple[int, str, str]]:
    """(report id, unit, status) of the action's reports no review has touched, oldest first."""
    with reading(engine) as connection:
        rows = connection.execute(
            select(schema.reports.c.id, schema.reports.c.unit, schema.reports.c.status)
            .outerjoin(schema.reviews, schema.reviews.c.report_id == schema.reports.c.id)
            .where(schema.reports.c.measure_id == measure_id, schema.reviews.c.id.is_(None))
            .order_by(schema.reports.c.id)).all()
    return [(row.id, row.unit, row.status) for row in rows]


def _change_plan(engine: Engine, actions: Mapping[str, Action], login: str, measure_id: str,
                 expected_version: int, now: datetime | None, **change: str | None) -> Plan:
    if measure_id not in actions:
        raise PlanRefused(f"措施 {measure_id[:20]} 不存在 / There is no action {measure_id[:20]} in measures.csv.")
    with reading(engine) as connection:
        account = _office(connection, login, PlanRefused)
        current = plans(connection).get(measure_id, Plan(measure_id, 0, None, None, None, None))
    if current.version != expected_version:
        raise _conflict(current)
    new = {"due": current.due, "lead": current.lead, **change}
    try:
        with writing(engine) as connection:
            connection.execute(insert(schema.plan_changes).values(
                measure_id=measure_id, version=current.version + 1, account_id=account.id,
                created_at=clock.stamp(now), **new))
    except exc.IntegrityError:
        raise _conflict(plan_of(engine, measure_id)) from None
    return plan_of(engine, measure_id)


def _conflict(current: Plan) -> PlanConflict:
    return PlanConflict(
        f"措施 {current.measure_id} 的时间节点已被 {current.login} 于 {current.created_at} 修改"
        f"（现为版本 {current.version}，截止 {current.due or '未设'}）；请刷新后重试 / "
        f"The plan of action {current.measure_id} was changed by "
        f"{current.login} at {current.created_at} (now version {current.version}, due {current.due or 'none'}) "
        "after you loaded it; reload and try again.", current.version)


def set_due(engine: Engine, actions: Mapping[str, Action], login: str, measure_id: str, due: str | date | None,
            expected_version: int, now: datetime | None = None) -> Plan:
    """The office sets (or clears, with None) an action's due date (时间节点).

    `expected_version` is the plan version the editor saw (0 when none); a stale one raises
    PlanConflict naming who changed it, so two editors never overwrite each other silently.
    """
    due_text = None
    if due is not None and due != "":
        due_text, problem = parse_date(due, "due", now, not_after_today=False)
        if problem:
            raise PlanRefused(problem.message)
    return _change_plan(engine, actions, login, measure_id, expected_version, now, due=due_text)


def set_lead(engine: Engine, actions: Mapping[str, Action], login: str, measure_id: str, lead: str | None,
             expected_version: int, now: datetime | None = None) -> Plan:
    """The office reassigns the 牵头 unit to another listed unit (None: back to the text's first unit)."""
    action = actions.get(measure_id)
    if lead is not None and action is not None and lead not in action.units:
        raise PlanRefused(f"{lead} 不是措施 {measure_id} 的责任单位；可选：{who_can_report(action)} / {lead} is not "
                          f"listed for action {measure_id}.")
    return _change_plan(engine, actions, login, measure_id, expected_version, now, lead=lead)
