"""Excel ledger import (all or nothing), JSON Lines export, and restore into an empty database."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from openpyxl import Workbook

from panprd.tracking import accounts, ledger, status
from panprd.tracking.transfer import TransferError, export_bytes, import_ledger, restore

from .conftest import NOW


def workbook(rows: list[list[object]], header=("编号", "状态", "截至日期", "进展情况", "文号")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_stores_every_row(engine, actions, people):
    raw = workbook([
        ["4.1.17", "序时推进", datetime(2026, 9, 30), "进展顺利", None],
        ["4.1.17", "completed", "2026-10-31", "已建成", "闽交〔2026〕1号"],
        [None, None, None, None, None],
    ], header=("编号", "状态", "截至日期", "进展情况", "文号", "说明"))
    result = import_ledger(engine, actions, "jt", raw, "ledger.xlsx", NOW)
    assert len(result.report_ids) == 2 and result.ignored_columns == ["说明"]
    reports = status.history(engine, actions, "4.1.17", include_private=True)
    assert [(r.status, r.as_of, r.note, r.evidence, r.unit) for r in reports] == [
        ("on_schedule", "2026-09-30", "进展顺利", "", "省交通运输厅"),
        ("completed", "2026-10-31", "已建成", "闽交〔2026〕1号", "省交通运输厅"),
    ]


def test_import_is_all_or_nothing_with_errors_by_row_and_column(engine, actions, people):
    raw = workbook([
        ["4.1.17", "序时推进", "2026-09-30", "ok", None],
        ["4.1.17", "进行中", "2026-09-30", "", None],
        ["2.1.01", "序时推进", "2026-09-30", "", None],
        ["4.1.17", "已完成", "2015-01-01", "", None],
        ["4.1.99", "序时推进", "2026-09-30", "", None],
    ])
    with pytest.raises(TransferError) as caught:
        import_ledger(engine, actions, "jt", raw, "ledger.xlsx", NOW)
    errors = caught.value.errors
    assert any(e.startswith("ledger.xlsx, sheet 台账, row 3, column B (状态): 未知状态 '进行中'") for e in errors)
    assert any(e.startswith("ledger.xlsx, sheet 台账, row 4, column A (编号)") and "省工信厅" in e for e in errors)
    assert any(e.startswith("ledger.xlsx, sheet 台账, row 5, column C (截至日期)") for e in errors)
    assert any(e.startswith("ledger.xlsx, sheet 台账, row 5, column E (文号)") for e in errors)
    assert any(e.startswith("ledger.xlsx, sheet 台账, row 6, column A (编号)") for e in errors)
    assert not any("row 2," in e for e in errors)
    assert status.history(engine, actions, "4.1.17", include_private=True) == []


def test_the_office_imports_on_behalf_of_the_units_named(engine, actions, people):
    raw = workbook([["4.1.17", "behind", "2026-09-30", "省发改委"], ["4.1.17", "behind", "2026-10-31", ""]],
                   header=("measure_id", "status", "as_of", "填报单位"))
    import_ledger(engine, actions, "office", raw, "ledger.xlsx", NOW)
    reports = status.history(engine, actions, "4.1.17", include_private=False)
    assert [(r.unit, r.on_behalf) for r in reports] == [("省发改委", True), ("省泛珠三角区域合作日常工作机构", False)]


def test_import_refuses_what_is_not_a_ledger(engine, actions, people):
    with pytest.raises(TransferError, match="not an Excel"):
        import_ledger(engine, actions, "jt", b"measure_id,status\n", "ledger.csv", NOW)
    with pytest.raises(TransferError, match="missing column.*as_of"):
        import_ledger(engine, actions, "jt", workbook([], header=("编号", "状态")), "ledger.xlsx", NOW)
    accounts.deactivate(engine, "jt", NOW)
    with pytest.raises(TransferError, match="已停用"):
        import_ledger(engine, actions, "jt", workbook([["4.1.17", "behind", "2026-09-30"]]), "ledger.xlsx", NOW)


def populate(engine, actions) -> None:
    """A bit of everything: reports with hostile text, a 代报, a confirmation, a return, plans, a deactivation."""
    rid = ledger.submit_report(engine, actions, "jt", "4.1.17", "completed", "2026-10-31", "<b>完成</b>\n第二行",
                               "闽交〔2026〕1号", now=NOW)
    ledger.review_report(engine, "office", rid, "confirmed", now=NOW)
    rid = ledger.submit_report(engine, actions, "office", "4.1.17", "behind", "2026-10-31",
                               "'); DROP TABLE reports; --", on_behalf_of="省发改委", now=NOW)
    ledger.review_report(engine, "office2", rid, "returned", "=1+1", now=NOW)
    ledger.set_due(engine, actions, "office", "4.1.17", "2027-06-30", 0, now=NOW)
    ledger.set_lead(engine, actions, "office", "4.1.17", "省交通运输厅", 1, now=NOW)
    accounts.deactivate(engine, "sw", NOW)


def test_restore_of_an_export_reproduces_it_exactly(engine, actions, people, make_store):
    populate(engine, actions)
    exported = export_bytes(engine)
    records = [json.loads(line) for line in exported.decode().splitlines()]
    assert [r["type"] for r in records].count("report") == 2 and [r["type"] for r in records].count("plan") == 2
    fresh = make_store()
    counts = restore(fresh, exported, "export.jsonl")
    assert counts == {"account": 5, "plan": 2, "report": 2, "review": 2}
    assert export_bytes(fresh) == exported
    assert status.action_states(fresh, actions, NOW) == status.action_states(engine, actions, NOW)
    assert accounts.get_account(fresh, "sw").active is False
    # Restored accounts have no password until one is set.
    with pytest.raises(accounts.SignInRefused):
        accounts.authenticate(fresh, "jt", "correct horse battery", NOW)
    accounts.set_password(fresh, "jt", "a new password")
    assert accounts.authenticate(fresh, "jt", "a new password", NOW).login == "jt"
    # New rows continue after the restored ids.
    new_id = ledger.submit_report(fresh, actions, "jt", "4.1.17", "on_schedule", "2026-11-01", now=NOW)
    assert new_id == 3


def test_restore_refuses_a_database_that_is_not_empty(engine, actions, people):
    exported = export_bytes(engine)
    with pytest.raises(TransferError, match="not empty"):
        restore(engine, exported)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda lines: lines[:1] + ["{not json"] + lines[1:], "line 2: invalid JSON"),
    (lambda lines: [line.replace('"report_id":1', '"report_id":77') for line in lines], "report 77"),
    (lambda lines: [line.replace('"status":"completed"', '"status":"done"') for line in lines], "unknown status"),
    (lambda lines: [line.replace('"login":"jt"', '"login":"jx"', 1) if '"type":"report"' in line else line
                    for line in lines], "is not an account of the export"),
    (lambda lines: lines[1:], "not a ledger export"),
    (lambda lines: [line.replace('"note":', '"remark":') for line in lines], "expected type, id"),
])
def test_restore_refuses_a_damaged_export_and_stores_nothing(engine, actions, people, make_store, mutate, message):
    populate(engine, actions)
    lines = export_bytes(engine).decode().splitlines()
    fresh = make_store()
    with pytest.raises(TransferError, match=message):
        restore(fresh, ("\n".join(mutate(lines)) + "\n").encode(), "export.jsonl")
    assert export_bytes(fresh) == b'{"type":"ledger","format":1}\n'
