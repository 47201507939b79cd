"""`python -m panprd db|users|tracking`: the issue's scenario end to end, and refusals with exit status 1."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from panprd.__main__ import main
from panprd.tracking import clock

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(databases, monkeypatch) -> str:
    """PANPRD_DB_URL at a new, empty database (no tables) of the store under test."""
    url = databases.new()
    monkeypatch.setenv("PANPRD_DB_URL", url)
    return url


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add_people(monkeypatch, capsys) -> None:
    for login, unit, role in (("jt", "省交通运输厅", "reporter"), ("sw", "省商务厅", "reporter"),
                              ("office", "省发改委", "office")):
        code, out, _ = run(monkeypatch, capsys, "users", "add", "--login", login, "--unit", unit, "--role", role,
                           "--password-stdin", stdin="a long password\n")
        assert code == 0 and "created" in out and "a long password" not in out


def test_report_confirm_export_restore_byte_for_byte(db, databases, tmp_path, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "db", "upgrade")[0] == 0
    add_people(monkeypatch, capsys)
    code, out, err = run(monkeypatch, capsys, "tracking", "report", "--login", "jt", "--measure", "4.1.17",
                         "--status", "completed", "--as-of", "2026-10-31", "--note", "示范工程已建成",
                         "--evidence", "闽交〔2026〕1号")
    assert code == 0, err
    assert "pending the office's confirmation" in out and "不得填报涉密信息" in err
    code, out, err = run(monkeypatch, capsys, "tracking", "review", "--login", "office", "--measure", "4.1.17",
                         "--confirm")
    assert (code, out.strip()) == (0, "report #1 confirmed (review #1)"), err

    first = tmp_path / "export.jsonl"
    assert run(monkeypatch, capsys, "tracking", "export", "-o", str(first))[0] == 0
    records = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    [report] = [r for r in records if r["type"] == "report"]
    [review] = [r for r in records if r["type"] == "review"]
    assert (report["measure_id"], report["status"], report["unit"], report["login"], report["evidence"]) == (
        "4.1.17", "completed", "省交通运输厅", "jt", "闽交〔2026〕1号")
    assert (review["report_id"], review["decision"], review["login"]) == (report["id"], "confirmed", "office")
    assert "argon2" not in first.read_text(encoding="utf-8")

    # The real entry point writes the same bytes to stdout.
    piped = subprocess.run([PYTHON, "-m", "panprd", "tracking", "export"], cwd=ROOT, capture_output=True,
                           env={**os.environ}, check=True, timeout=300)
    assert piped.stdout == first.read_bytes()

    monkeypatch.setenv("PANPRD_DB_URL", databases.new())
    code, out, err = run(monkeypatch, capsys, "tracking", "restore", str(first))
    assert code == 0, err
    assert out.strip() == "restored: 3 accounts, 0 plans, 1 reports, 1 reviews"
    second = tmp_path / "again.jsonl"
    assert run(monkeypatch, capsys, "tracking", "export", "-o", str(second))[0] == 0
    assert second.read_bytes() == first.read_bytes()

    # 省交通运输厅 supports 4.1.17 (省发改委 leads): its confirmed report sets the status once the office
    # makes it the lead.
    code, out, _ = run(monkeypatch, capsys, "tracking", "status", "--measure", "4.1.17")
    assert out.split("\t")[:3] == ["4.1.17", "省发改委", "-"]
    assert run(monkeypatch, capsys, "tracking", "lead", "--login", "office", "--measure", "4.1.17",
               "--unit", "省交通运输厅", "--version", "0")[0] == 0
    code, out, _ = run(monkeypatch, capsys, "tracking", "status", "--measure", "4.1.17")
    assert out.split("\t")[:3] == ["4.1.17", "省交通运输厅", "completed"]


def test_refusals_exit_1_with_the_reason(db, monkeypatch, capsys):
    add_people(monkeypatch, capsys)
    base = ["tracking", "report", "--measure", "4.1.17", "--as-of", "2026-10-31"]
    cases = [
        (["--login", "sw", "--status", "on_schedule"], "可填报的单位：省发改委、省交通运输厅"),
        (["--login", "jt", "--status", "finished"], "未知状态 'finished'"),
        (["--login", "jt", "--status", "completed"], "须提供佐证"),
        (["--login", "jt", "--status", "on_schedule", "--note", "字" * 2001], "2,001"),
        (["--login", "jt", "--status", "on_schedule", "--as-of", "2016-11-13"], "早于政策印发日"),
        (["--login", "jt", "--status", "on_schedule", "--as-of", "2999-01-01"], "晚于今天"),
        (["--login", "jt", "--status", "on_schedule", "--on-behalf-of", "省发改委"], "只有办公室可以代报"),
        (["--login", "nobody", "--status", "on_schedule"], "无此账号"),
    ]
    for extra, message in cases:
        code, out, err = run(monkeypatch, capsys, *base, *extra)
        assert code == 1 and message in err and "Traceback" not in err, (extra, err)
    assert run(monkeypatch, capsys, "users", "deactivate", "--login", "jt")[0] == 0
    code, _, err = run(monkeypatch, capsys, *base, "--login", "jt", "--status", "on_schedule")
    assert code == 1 and "已停用" in err
    code, out, _ = run(monkeypatch, capsys, "tracking", "export")
    assert '"type":"report"' not in out


def test_review_needs_a_report_id_when_several_wait(db, monkeypatch, capsys):
    add_people(monkeypatch, capsys)
    for _ in range(2):
        assert run(monkeypatch, capsys, "tracking", "report", "--login", "jt", "--measure", "4.1.17", "--status",
                   "behind", "--as-of", "2026-10-31")[0] == 0
    code, _, err = run(monkeypatch, capsys, "tracking", "review", "--login", "office", "--measure", "4.1.17",
                       "--return", "--reason", "请补充")
    assert code == 1 and "--report" in err and "#1 省交通运输厅 behind; #2" in err
    code, out, _ = run(monkeypatch, capsys, "tracking", "review", "--login", "office", "--measure", "4.1.17",
                       "--report", "2", "--return", "--reason", "请补充")
    assert code == 0 and "returned" in out
    code, _, err = run(monkeypatch, capsys, "tracking", "review", "--login", "office", "--measure", "4.1.17",
                       "--return")
    assert code == 1 and "退回须说明理由" in err


def test_due_date_conflict_on_the_command_line(db, monkeypatch, capsys):
    add_people(monkeypatch, capsys)
    due = ["tracking", "due", "--login", "office", "--measure", "4.1.17", "--version", "0"]
    assert run(monkeypatch, capsys, *due, "--due", "2027-06-30")[0] == 0
    code, _, err = run(monkeypatch, capsys, *due, "--due", "2027-01-01")
    assert code == 1 and "版本 1" in err and "reload" in err
    code, out, _ = run(monkeypatch, capsys, "tracking", "overdue")
    assert (code, out) == (0, "")


def test_import_on_the_command_line_is_all_or_nothing(db, tmp_path, monkeypatch, capsys):
    add_people(monkeypatch, capsys)
    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "状态", "截至日期"])
    sheet.append(["4.1.17", "序时推进", "2026-09-30"])
    sheet.append(["2.2.01", "序时推进", "2026-09-30"])  # 省交通运输厅 is not listed on 2.2.01
    path = tmp_path / "台账.xlsx"
    book.save(path)
    code, _, err = run(monkeypatch, capsys, "tracking", "import", str(path), "--login", "jt")
    assert code == 1 and "row 3, column A (编号)" in err and "省交通运输厅" in err
    code, out, _ = run(monkeypatch, capsys, "tracking", "export")
    assert '"type":"report"' not in out
    sheet.delete_rows(3)
    book.save(path)
    code, out, _ = run(monkeypatch, capsys, "tracking", "import", str(path), "--login", "jt")
    assert (code, out.strip()) == (0, f"1 reports imported from {path}")


def test_lists_orphans_queue_late_and_sheet(db, monkeypatch, capsys):
    add_people(monkeypatch, capsys)
    assert run(monkeypatch, capsys, "tracking", "report", "--login", "office", "--measure", "4.1.17", "--status",
               "behind", "--as-of", "2026-10-31", "--on-behalf-of", "省发改委")[0] == 0
    code, out, _ = run(monkeypatch, capsys, "tracking", "queue")
    assert out.startswith("#1\t4.1.17\t省发改委\tlead\tbehind\t2026-10-31\t代报")
    code, out, _ = run(monkeypatch, capsys, "tracking", "late")
    assert "省发改委" in out and "4.1.17," not in out.split("省发改委")[1].split("\n")[0]
    code, out, _ = run(monkeypatch, capsys, "tracking", "sheet", "--unit", "省发改委")
    assert out.startswith("督办单 · 省发改委\n日期：" + clock.today().isoformat())
    code, out, _ = run(monkeypatch, capsys, "tracking", "orphans")
    assert (code, out) == (0, "")


def test_an_unusable_database_exits_2_with_a_plain_message(tmp_path, monkeypatch, capsys):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database" * 100)
    monkeypatch.setenv("PANPRD_DB_URL", f"sqlite:///{garbage}")
    code, _, err = run(monkeypatch, capsys, "tracking", "export")
    assert code == 2 and "cannot be used" in err and "Traceback" not in err
