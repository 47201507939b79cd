"""Moving the ledger in and out: JSON Lines export and restore, and the office's Excel ledger import.

The export is the whole history (accounts without any password or hash, plan changes, reports,
reviews), one JSON object per line in a fixed order with fixed key order, so the same database
always gives the same bytes, and restoring an export into an empty database gives them back.
Restored accounts keep their ids, logins, units and timestamps but have no password: set one
with `python -m panprd users password`.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, func, insert, select, text

from panprd.tracking import schema
from panprd.tracking.accounts import deactivated_message, load_accounts
from panprd.tracking.ledger import DECISIONS, STATUSES, Draft, check_report, insert_reports, plans, status_code
from panprd.tracking.store import TrackingError, reading, writing
from panprd.tracking.units import OFFICE_UNIT, Action

FORMAT = 1
_FIELDS: dict[str, tuple[str, ...]] = {
    "ledger": ("type", "format"),
    "account": ("type", "id", "login", "role", "units", "active", "created_at", "deactivated_at"),
    "plan": ("type", "id", "measure_id", "version", "due", "lead", "account_id", "login", "created_at"),
    "report": ("type", "id", "measure_id", "status", "as_of", "note", "evidence", "unit", "account_id", "login",
               "on_behalf", "created_at"),
    "review": ("type", "id", "report_id", "decision", "reason", "account_id", "login", "created_at"),
}
_HISTORY_TABLES = (schema.accounts, schema.reports, schema.reviews, schema.plan_changes)


class TransferError(TrackingError):
    """An export cannot be restored or a sheet imported; `errors` names each line or cell.

    In English only, unlike the other ledger errors: only the command line (the administrator) meets it.
    """

    def __init__(self, errors: list[str]):
        self.errors = errors
        Exception.__init__(self, "\n".join(errors))
        self.said = ()

    def text(self, lang: str) -> str:
        return str(self)


def _line(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def export_lines(engine: Engine) -> list[str]:
    """The whole history as JSON Lines (no trailing newlines); see the module docstring."""
    with reading(engine) as connection:
        accounts = load_accounts(connection, schema.accounts.c.id.is_not(None))
        login = {a.id: a.login for a in accounts}
        lines = [_line({"type": "ledger", "format": FORMAT})]
        lines += [_line({"type": "account", "id": a.id, "login": a.login, "role": a.role, "units": list(a.units),
                         "active": a.active, "created_at": a.created_at, "deactivated_at": a.deactivated_at})
                  for a in accounts]
        for row in connection.execute(select(schema.plan_changes).order_by(schema.plan_changes.c.id)):
            lines.append(_line({"type": "plan", "id": row.id, "measure_id": row.measure_id, "version": row.version,
                                "due": row.due, "lead": row.lead, "account_id": row.account_id,
                                "login": login[row.account_id], "created_at": row.created_at}))
        for row in connection.execute(select(schema.reports).order_by(schema.reports.c.id)):
            lines.append(_line({"type": "report", "id": row.id, "measure_id": row.measure_id, "status": row.status,
                                "as_of": row.as_of, "note": row.note, "evidence": row.evidence, "unit": row.unit,
                                "account_id": row.account_id, "login": login[row.account_id],
                                "on_behalf": bool(row.on_behalf), "created_at": row.created_at}))
        for row in connection.execute(select(schema.reviews).order_by(schema.reviews.c.id)):
            lines.append(_line({"type": "review", "id": row.id, "report_id": row.report_id, "decision": row.decision,
                                "reason": row.reason, "account_id": row.account_id,
                                "login": login[row.account_id], "created_at": row.created_at}))
    return lines


def export_bytes(engine: Engine) -> bytes:
    """The export as UTF-8 bytes, one record per line (`python -m panprd tracking export`)."""
    return "".join(line + "\n" for line in export_lines(engine)).encode("utf-8")


def _parse_export(raw: bytes, name: str) -> dict[str, list[dict]]:
    errors: list[str] = []
    records: dict[str, list[dict]] = {kind: [] for kind in _FIELDS}
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TransferError([f"{name}: not UTF-8 (byte {error.start})"]) from None
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(f"{name}, line {number}: invalid JSON ({error.msg}, column {error.colno})")
            continue
        kind = record.get("type") if isinstance(record, dict) else None
        if kind not in _FIELDS:
            errors.append(f"{name}, line {number}: unknown record type {kind!r}")
            continue
        if tuple(record) != _FIELDS[kind]:
            errors.append(f"{name}, line {number}: a {kind} record has the fields {', '.join(record)}; "
                          f"expected {', '.join(_FIELDS[kind])}")
            continue
        record["_line"] = number
        records[kind].append(record)
    if not records["ledger"] or records["ledger"][0]["format"] != FORMAT:
        errors.append(f"{name}, line 1: not a ledger export of format {FORMAT}")
    if errors:
        raise TransferError(errors)
    return records


def _check_references(records: dict[str, list[dict]], name: str) -> list[str]:
    """Every id a record points at exists, with the login the export names."""
    errors = []
    logins = {a["id"]: a["login"] for a in records["account"]}
    report_ids = {r["id"] for r in records["report"]}
    for kind in ("plan", "report", "review"):
        for record in records[kind]:
            if logins.get(record["account_id"]) != record["login"]:
                errors.append(f"{name}, line {record['_line']}: account {record['account_id']} "
                              f"({record['login']}) is not an account of the export")
    for record in records["report"]:
        if record["status"] not in STATUSES:
            errors.append(f"{name}, line {record['_line']}: unknown status {record['status']!r}")
    for record in records["review"]:
        if record["report_id"] not in report_ids:
            errors.append(f"{name}, line {record['_line']}: review of report {record['report_id']}, "
                          "which the export does not contain")
        if record["decision"] not in DECISIONS:
            errors.append(f"{name}, line {record['_line']}: unknown decision {record['decision']!r}")
    return errors


def restore(engine: Engine, raw: bytes, name: str = "export") -> dict[str, int]:
    """Load an export into an empty database, ids and timestamps as they were; counts per record type.

    All or nothing: any problem (a malformed line, a dangling reference, a non-empty database)
    raises TransferError and stores nothing.
    """
    records = _parse_export(raw, name)
    errors = _check_references(records, name)
    if errors:
        raise TransferError(errors)
    with writing(engine) as connection:
        for table in _HISTORY_TABLES:
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise TransferError([f"the database is not empty (table {table.name} has rows): "
                                     "restore only into a new database"])

        def rows(kind: str, *skip: str) -> list[dict]:
            """The record's columns: without its type, its line number and what it only repeats or lists."""
            return [{k: v for k, v in r.items() if k not in ("type", "_line", *skip)} for r in records[kind]]

        if records["account"]:
            connection.execute(insert(schema.accounts),
                               [{**r, "password_hash": None} for r in rows("account", "units")])
            units = [{"account_id": a["id"], "unit": u} for a in records["account"] for u in a["units"]]
            if units:
                connection.execute(insert(schema.account_units), units)
        for kind, table in (("plan", schema.plan_changes), ("report", schema.reports), ("review", schema.reviews)):
            if records[kind]:
                connection.execute(insert(table), rows(kind, "login"))
        if connection.dialect.name == "postgresql":
            # Explicit ids do not advance PostgreSQL sequences; move them past the restored rows.
            for table in _HISTORY_TABLES:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
    return {kind: len(records[kind]) for kind in ("account", "plan", "report", "review")}


# ---------------------------------------------------------------- Excel ledger import

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "measure_id": ("measure_id", "编号", "措施编号"),
    "status": ("status", "状态", "进展状态"),
    "as_of": ("as_of", "截至日期", "进展截至日期"),
    "note": ("note", "进展情况", "备注"),
    "evidence": ("evidence", "佐证", "佐证材料", "文号"),
    "unit": ("unit", "填报单位"),
}
REQUIRED_HEADERS = ("measure_id", "status", "as_of")


@dataclass(frozen=True)
class ImportResult:
    report_ids: list[int]
    ignored_columns: list[str]


def _cell_text(value: object) -> str | date:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def import_ledger(engine: Engine, actions: Mapping[str, Action], login: str, raw: bytes, name: str,
                  now: datetime | None = None) -> ImportResult:
    """Import the office's Excel ledger (first sheet, headers in row 1) as reports by `login`.

    Headers (English or Chinese): measure_id/编号, status/状态, as_of/截至日期, and optionally
    note/进展情况, evidence/佐证/文号, unit/填报单位. A status may be a code or its label (序时推进).
    For the office, a unit other than its own makes the row a 代报 for that unit. Every row is
    checked under the same rules as the form; all rows are stored or none, and TransferError
    lists every problem by row and column.
    """
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise TransferError([f"{name}: not an Excel .xlsx workbook ({type(error).__name__})"]) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        key = next((k for k, names in HEADER_ALIASES.items() if title in names or title.lower() == k), None)
        if key and key not in columns:
            columns[key] = index
        elif title:
            ignored.append(title)
    where = f"{name}, sheet {sheet.title}"
    missing = [k for k in REQUIRED_HEADERS if k not in columns]
    if missing:
        raise TransferError([f"{where}, row 1: missing column(s) {', '.join(missing)}; expected headers "
                             + "; ".join(f"{k}: {'/'.join(v)}" for k, v in HEADER_ALIASES.items())])
    with reading(engine) as connection:
        found = load_accounts(connection, schema.accounts.c.login == login)
        plan_by_measure = plans(connection)
    if not found:
        raise TransferError([f"无此账号 {login} / No account {login}."])
    account = found[0]
    if not account.active:
        raise TransferError([deactivated_message(account).bilingual()])
    errors: list[str] = []
    drafts: list[Draft] = []
    for row_number, values in enumerate(rows, start=2):
        cells = {k: _cell_text(values[i]) if i < len(values) else "" for k, i in columns.items()}
        if not any(str(v).strip() for v in cells.values()):
            continue
        measure_id = str(cells["measure_id"]).strip()
        status_text = str(cells["status"])
        unit = str(cells.get("unit", "")).strip() or None
        on_behalf_of = None
        if account.is_office and unit and unit not in account.units:
            on_behalf_of, unit = (None, None) if unit == OFFICE_UNIT else (unit, None)
        plan = plan_by_measure.get(measure_id)
        draft, problems = check_report(
            actions, account, measure_id, status_code(status_text) or status_text, cells["as_of"],
            str(cells.get("note", "")), str(cells.get("evidence", "")), unit=unit, on_behalf_of=on_behalf_of,
            now=now, lead=plan.lead if plan else None)
        for problem in problems:
            column = columns.get(problem.field, columns["measure_id"] if problem.field == "unit" else None)
            at = f", column {get_column_letter(column + 1)} ({header[column]})" if column is not None else ""
            errors.append(f"{where}, row {row_number}{at}: {problem.message}")
        if draft:
            drafts.append(draft)
    if errors:
        raise TransferError(errors)
    if not drafts:
        raise TransferError([f"{where}: no rows to import"])
    with writing(engine) as connection:
        ids = insert_reports(connection, drafts, now)
    return ImportResult(ids, ignored)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TransferError([f"{path}: {error.strerror}"]) from None
