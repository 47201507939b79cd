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

from panprd.messages import Message
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
    said: Message

    @property
    def message(self) -> str:
        return self.said.bilingual()


class ReportRefused(TrackingError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(*(p.said for p in problems))


class ReviewRefused(TrackingError):
    pass


class PlanRefused(TrackingError):
    pass


class PlanConflict(PlanRefused):
    """The plan changed since the editor loaded it (stale `expected_version`)."""

    def __init__(self, said: Message, current_version: int):
        super().__init__(said)
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
            return None, Problem(field, Message("ledger_date_form", value=text[:20]))
    if parsed < clock.POLICY_DATE:
        return None, Problem(field, Message("ledger_date_early", date=parsed, policy=clock.POLICY_DATE))
    today = clock.today(now)
    if not_after_today and parsed > today:
        return None, Problem(field, Message("ledger_date_future", date=parsed, today=today))
    return parsed.isoformat(), None


def _text_problems(value: str, field: str, limit: int) -> list[Problem]:
    out = []
    label = Message(f"ledger_field_{field}")
    if len(value) > limit:
        out.append(Problem(field, Message("ledger_text_long", field=label, n=len(value), limit=limit)))
    if _CONTROL.search(value):
        out.append(Problem(field, Message("ledger_text_control", field=label)))
    return out


def who_can_report(action: Action) -> tuple[str, ...] | Message:
    """The units that may report on the action (a Message value: joined in the reader's language)."""
    return action.units or Message("ledger_office_reports")


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
        problems.append(Problem("measure_id", Message("ledger_no_action", id=measure_id[:20])))
    if status not in STATUSES:
        problems.append(Problem("status", Message("ledger_status_unknown", value=status[:20],
                                                  expected=tuple(STATUSES))))
    as_of_text, problem = parse_date(as_of, "as_of", now)
    if problem:
        problems.append(problem)
    problems += _text_problems(note, "note", NOTE_MAX)
    problems += _text_problems(evidence, "evidence", EVIDENCE_MAX)
    if status in EVIDENCE_REQUIRED and not evidence.strip():
        named = {"zh": STATUSES[status].zh, "en": status}
        problems.append(Problem("evidence", Message("ledger_basis_needed" if status == "adjusted"
                                                    else "ledger_evidence_needed", status=named)))
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
    return Problem("unit", Message("ledger_not_listed", action=action.measure_id, units=units,
                                   can=who_can_report(action)))


def _reporting_unit(action: Action, account: Account, unit: str | None, on_behalf_of: str | None,
                    lead: str | None) -> tuple[str | None, bool, Problem | None]:
    """The unit a report is filed under, whether it is 代报, or why the account may not report here."""
    if on_behalf_of:
        if not account.is_office:
            return None, False, Problem("unit", Message("ledger_behalf_office"))
        if on_behalf_of not in action.units:
            return None, False, _not_listed(action, on_behalf_of)
        return on_behalf_of, True, None
    if unit:
        if unit not in account.units:
            return None, False, Problem("unit", Message("ledger_not_member", login=account.login, unit=unit))
        if unit not in action.units:
            return None, False, _not_listed(action, unit)
        return unit, False, None
    listed = [u for u in action.units if u in account.units]
    if listed:
        return (lead if lead in listed else listed[0]), False, None
    if account.is_office:
        return OFFICE_UNIT, False, None
    return None, False, _not_listed(action, account.units or account.login)


def _account(connection: Connection, login: str) -> Account:
    found = load_accounts(connection, schema.accounts.c.login == login)
    if not found:
        raise ReportRefused([Problem("account", Message("ledger_no_account", login=login))])
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
        raise refused(Message("ledger_no_account", login=login))
    account = found[0]
    if not account.active:
        raise refused(deactivated_message(account))
    if not account.is_office:
        raise refused(Message("ledger_office_needed", login=login))
    return account


def review_report(engine: Engine, login: str, report_id: int, decision: str, reason: str = "",
                  now: datetime | None = None) -> int:
    """The office confirms (审核 → 销号) or returns (with a reason) one report; returns the review's id.

    A report is reviewed once: a returned report is corrected by a new report, not by a second review.
    """
    if decision not in DECISIONS:
        raise ReviewRefused(Message("ledger_decision_unknown", value=decision))
    if decision == "returned" and not reason.strip():
        raise ReviewRefused(Message("ledger_reason_needed"))
    problems = _text_problems(reason, "reason", REASON_MAX)
    if problems:
        raise ReviewRefused(*(p.said for p in problems))
    with reading(engine) as connection:
        account = _office(connection, login, ReviewRefused)
        report = connection.execute(select(schema.reports.c.id).where(schema.reports.c.id == report_id)).first()
    if report is None:
        raise ReviewRefused(Message("ledger_no_report", id=report_id))
    try:
        with writing(engine) as connection:
            return connection.execute(insert(schema.reviews).values(
                report_id=report_id, decision=decision, reason=reason, account_id=account.id,
                created_at=clock.stamp(now))).inserted_primary_key[0]
    except exc.IntegrityError:
        raise ReviewRefused(Message("ledger_reviewed", id=report_id)) from None


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
        raise PlanRefused(Message("ledger_no_action", id=measure_id[:20]))
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
    return PlanConflict(Message("ledger_conflict", action=current.measure_id, login=current.login,
                                at=current.created_at, version=current.version,
                                due=current.due or Message("ledger_none")), current.version)


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
            raise PlanRefused(problem.said)
    return _change_plan(engine, actions, login, measure_id, expected_version, now, due=due_text)


def set_lead(engine: Engine, actions: Mapping[str, Action], login: str, measure_id: str, lead: str | None,
             expected_version: int, now: datetime | None = None) -> Plan:
    """The office reassigns the 牵头 unit to another listed unit (None: back to the text's first unit)."""
    action = actions.get(measure_id)
    if lead is not None and action is not None and lead not in action.units:
        raise PlanRefused(Message("ledger_not_unit_of", lead=lead, action=measure_id, can=who_can_report(action)))
    return _change_plan(engine, actions, login, measure_id, expected_version, now, lead=lead)
