"""`python -m panprd db|users|tracking …`: the ledger's commands, under the same rules as the form.

The commands trust the shell user to act as `--login` (only the server's operators have a shell);
every rule about who may report on what still applies. Exit status: 0 done, 1 refused (the
message says why), 2 the database cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

from alembic import command

from panprd.messages import Message
from panprd.tracking import accounts, ledger, status, store, transfer
from panprd.tracking.units import Action, actions_from_measures

COMMANDS = ("db", "users", "tracking")


@cache
def _measures_and_actions():
    """The real measures (panprd.data, honouring PANPRD_DATA_ROOT) and their actions; loaded once."""
    from panprd import data  # geopandas and friends: only for commands that need the policy

    try:
        measures = data.load().measures
    except data.DataError as error:
        raise store.TrackingError(Message("ledger_data_unusable", error=str(error))) from None
    return measures, actions_from_measures(measures)


def _actions() -> dict[str, Action]:
    return _measures_and_actions()[1]


def _engine():
    return store.open_store()


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    return sys.stdin.readline().rstrip("\r\n")


# ---------------------------------------------------------------- db


def _db_upgrade(args: argparse.Namespace) -> int:
    engine = store.open_store(check_schema=False)
    print(f"schema at revision {store.upgrade(engine)} ({store.shown_url()})")
    return 0


def _db_revision(args: argparse.Namespace) -> int:
    engine = store.open_store(check_schema=False)
    config = store.alembic_config()
    with store.writing(engine) as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=args.message, autogenerate=args.autogenerate)
    return 0


# ---------------------------------------------------------------- users


def _users_add(args: argparse.Namespace) -> int:
    account = accounts.add_account(_engine(), args.login, args.role, args.unit, _password(args))
    print(f"account {account.login} ({account.role}; {', '.join(account.units) or 'no unit'}) created"
          + ("" if args.password_stdin else "; it has no password yet: set one with `users password`"))
    return 0


def _users_password(args: argparse.Namespace) -> int:
    accounts.set_password(_engine(), args.login, _password(args) or "")
    print(f"password of {args.login} set")
    return 0


def _users_deactivate(args: argparse.Namespace) -> int:
    account = accounts.deactivate(_engine(), args.login)
    print(f"account {account.login} deactivated at {account.deactivated_at}; its sessions ended")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    for account in accounts.list_accounts(_engine()):
        state = "active" if account.active else f"deactivated {account.deactivated_at}"
        print(f"{account.login}\t{account.role}\t{';'.join(account.units)}\t{state}")
    return 0


# ---------------------------------------------------------------- tracking


def _report(args: argparse.Namespace) -> int:
    print(ledger.SECRECY_REMINDER, file=sys.stderr)
    report_id = ledger.submit_report(_engine(), _actions(), args.login, args.measure, args.status, args.as_of,
                                     args.note, args.evidence, unit=args.unit, on_behalf_of=args.on_behalf_of)
    pending = " (pending the office's confirmation)" if args.status == "completed" else ""
    print(f"report #{report_id} stored: {args.measure} {args.status} as of {args.as_of}{pending}")
    return 0


def _review(args: argparse.Namespace) -> int:
    engine = _engine()
    report_id = args.report
    if report_id is None:
        open_reports = ledger.unreviewed_reports(engine, args.measure)
        if not open_reports:
            raise ledger.ReviewRefused(Message("ledger_review_none", action=args.measure))
        if len(open_reports) > 1:
            listed = "; ".join(f"#{i} {unit} {code}" for i, unit, code in open_reports)
            raise ledger.ReviewRefused(Message("ledger_review_many", action=args.measure, n=len(open_reports),
                                               listed=listed))
        report_id = open_reports[0][0]
    decision = "confirmed" if args.confirm else "returned"
    review_id = ledger.review_report(engine, args.login, report_id, decision, args.reason or "")
    print(f"report #{report_id} {decision} (review #{review_id})")
    return 0


def _due(args: argparse.Namespace) -> int:
    due = None if args.due in ("none", "") else args.due
    plan = ledger.set_due(_engine(), _actions(), args.login, args.measure, due, args.version)
    print(f"{plan.measure_id}: due {plan.due or 'none'} (plan version {plan.version})")
    return 0


def _lead(args: argparse.Namespace) -> int:
    lead = None if args.unit == "default" else args.unit
    plan = ledger.set_lead(_engine(), _actions(), args.login, args.measure, lead, args.version)
    print(f"{plan.measure_id}: lead {plan.lead or 'the first unit listed'} (plan version {plan.version})")
    return 0


def _import(args: argparse.Namespace) -> int:
    result = transfer.import_ledger(_engine(), _actions(), args.login, transfer.read_file(args.file), str(args.file))
    print(f"{len(result.report_ids)} reports imported from {args.file}")
    if result.ignored_columns:
        print(f"columns not used: {', '.join(result.ignored_columns)}")
    return 0


def _export(args: argparse.Namespace) -> int:
    payload = transfer.export_bytes(_engine())
    if args.output:
        args.output.write_bytes(payload)
    else:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
    return 0


def _restore(args: argparse.Namespace) -> int:
    counts = transfer.restore(_engine(), transfer.read_file(args.file), str(args.file))
    print("restored: " + ", ".join(f"{n} {kind}s" for kind, n in counts.items()))
    return 0


def _status(args: argparse.Namespace) -> int:
    states = status.action_states(_engine(), _actions())
    for mid, state in states.items():
        if args.measure and mid != args.measure:
            continue
        print(f"{mid}\t{state.lead or ''}\t{state.status or '-'}\t{state.as_of or '-'}\t{state.due or '-'}\t"
              f"{state.light}" + ("\tcompletion pending review" if state.pending_completion else ""))
    return 0


def _overdue(args: argparse.Namespace) -> int:
    for state in status.overdue(status.action_states(_engine(), _actions())):
        print(f"{state.measure_id}\t{state.lead}\tdue {state.due}\t{state.days_overdue} days overdue\t"
              f"{state.status or 'no report'}")
    return 0


def _late(args: argparse.Namespace) -> int:
    for late in status.late_units(_engine(), _actions()):
        print(f"{late.unit}\t{len(late.missing)} of {late.led} led actions not reported this quarter: "
              f"{', '.join(late.missing)}")
    return 0


def _orphans(args: argparse.Namespace) -> int:
    for report in status.orphan_reports(_engine(), _actions()):
        print(f"#{report.id}\t{report.measure_id}\t{report.unit}\t{report.status}\t{report.as_of}\t{report.created_at}")
    return 0


def _queue(args: argparse.Namespace) -> int:
    for report in status.review_queue(_engine(), _actions()):
        print(f"#{report.id}\t{report.measure_id}\t{report.unit}\t{report.role}\t{report.status}\t{report.as_of}"
              + ("\t代报" if report.on_behalf else ""))
    return 0


def _sheet(args: argparse.Namespace) -> int:
    measures, actions = _measures_and_actions()
    sheet = status.supervision_sheet(_engine(), actions, args.unit)
    sys.stdout.write(status.render_sheet(sheet, dict(zip(measures.index, measures["title_zh"]))))
    return 0


# ---------------------------------------------------------------- wiring


def _leaf(parent, name: str, handler: Callable[[argparse.Namespace], int], help_text: str, **kwargs):
    parser = parent.add_parser(name, help=help_text, description=help_text, **kwargs)
    parser.set_defaults(tracking_handler=handler)
    return parser


def register(subparsers) -> None:
    """Add the db, users and tracking commands to `python -m panprd`'s subparsers."""
    db = subparsers.add_parser("db", help="the tracking ledger's database").add_subparsers(dest="db_command",
                                                                                          required=True)
    _leaf(db, "upgrade", _db_upgrade,
          "create or upgrade the tracking database schema (PANPRD_DB_URL or var/tracking.db)")
    revision = _leaf(db, "revision", _db_revision, "write a new migration file (for developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--autogenerate", action="store_true", help="diff the schema module against the database")

    users = subparsers.add_parser("users", help="accounts of the tracking ledger").add_subparsers(dest="users_command",
                                                                                                 required=True)
    add = _leaf(users, "add", _users_add, "create an account tied to one or more of today's units")
    add.add_argument("--login", required=True)
    add.add_argument("--unit", action="append", default=[], help="a unit (today's name); repeat for several")
    add.add_argument("--role", choices=accounts.ROLES, required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    password = _leaf(users, "password", _users_password, "set an account's password (read from stdin)")
    password.add_argument("--login", required=True)
    password.add_argument("--password-stdin", action="store_true", required=True)
    deactivate = _leaf(users, "deactivate", _users_deactivate, "deactivate an account and end its sessions")
    deactivate.add_argument("--login", required=True)
    _leaf(users, "list", _users_list, "list the accounts (never their passwords)")

    tracking = subparsers.add_parser("tracking", help="the implementation ledger (台账)").add_subparsers(
        dest="tracking_command", required=True)
    report = _leaf(tracking, "report", _report, "report the status of an action. " + ledger.SECRECY_REMINDER)
    report.add_argument("--login", required=True)
    report.add_argument("--measure", required=True, help="measure_id, e.g. 4.1.17")
    report.add_argument("--status", required=True, help=", ".join(ledger.STATUSES))
    report.add_argument("--as-of", required=True, help="YYYY-MM-DD, Beijing time, from 2016-11-14 to today")
    report.add_argument("--note", default="", help=f"at most {ledger.NOTE_MAX} characters")
    report.add_argument("--evidence", default="",
                        help="document number, title or URL (required for completed, adjusted)")
    report.add_argument("--unit", help="which of the account's units reports, when it has several")
    report.add_argument("--on-behalf-of", help="office only: the unit reported for (代报)")
    review = _leaf(tracking, "review", _review, "the office confirms or returns a report")
    review.add_argument("--login", required=True)
    review.add_argument("--measure", required=True)
    review.add_argument("--report", type=int, help="the report id, when the action has several awaiting review")
    decision = review.add_mutually_exclusive_group(required=True)
    decision.add_argument("--confirm", action="store_true")
    decision.add_argument("--return", dest="return_", action="store_true")
    review.add_argument("--reason", help="required with --return")
    due = _leaf(tracking, "due", _due, "the office sets an action's due date (时间节点)")
    due.add_argument("--login", required=True)
    due.add_argument("--measure", required=True)
    due.add_argument("--due", required=True, help="YYYY-MM-DD, or none to clear")
    due.add_argument("--version", type=int, required=True, help="the plan version you saw (0 if never set)")
    lead = _leaf(tracking, "lead", _lead, "the office reassigns an action's lead unit (牵头)")
    lead.add_argument("--login", required=True)
    lead.add_argument("--measure", required=True)
    lead.add_argument("--unit", required=True, help="a listed unit, or default for the first unit listed")
    lead.add_argument("--version", type=int, required=True, help="the plan version you saw (0 if never set)")
    imported = _leaf(tracking, "import", _import, "import the office's Excel ledger: all rows or none")
    imported.add_argument("file", type=Path)
    imported.add_argument("--login", required=True)
    export = _leaf(tracking, "export", _export, "the whole history as JSON Lines")
    export.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    restore = _leaf(tracking, "restore", _restore, "load an export into an empty database")
    restore.add_argument("file", type=Path)
    state = _leaf(tracking, "status", _status, "each action's current status, due date and light")
    state.add_argument("--measure")
    _leaf(tracking, "overdue", _overdue, "actions past their due date and not completed")
    _leaf(tracking, "late", _late, "未按时报送: lead units with no report this quarter on actions they lead")
    _leaf(tracking, "orphans", _orphans, "reports whose action is no longer in measures.csv")
    _leaf(tracking, "queue", _queue, "reports awaiting the office's review")
    sheet = _leaf(tracking, "sheet", _sheet, "print the 督办单 of one unit")
    sheet.add_argument("--unit", required=True)


def dispatch(args: argparse.Namespace) -> int:
    """Run the command `register` added; print refusals as plain messages, never a traceback."""
    try:
        return args.tracking_handler(args)
    except store.StoreUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    except store.TrackingError as error:
        print(error, file=sys.stderr)
        return 1
