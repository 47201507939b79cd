"""`python -m panprd check`: the summary on our data, and what it says about broken files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from panprd import data

ROOT = Path(__file__).resolve().parent.parent


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "panprd", "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_our_data_passes_with_every_clause_covered():
    result = check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clauses of sections 二–十: 28, quoted by a row: 28" in result.stdout
    assert "unresolved references and other errors: 0" in result.stdout
    assert "invalid geometries: 0" in result.stdout


def test_excel_gbk_file_is_explained_not_a_traceback(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_bytes((data.ROOT / "measures.csv").read_text("utf-8").encode("gbk", errors="replace"))
    result = check(str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "measures.csv, row 2: not UTF-8" in result.stdout and "GBK" in result.stdout


def test_bad_rows_are_listed_by_row_and_column(tmp_path):
    lines = (data.ROOT / "measures.csv").read_text("utf-8").splitlines()
    lines[9] = lines[9].replace(",economy,", ",economics,", 1)
    lines.append(lines[20] + ",extra")
    path = tmp_path / "measures.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")  # BOM and CRLF, as Excel saves
    result = check(str(path))
    assert result.returncode == 1
    assert "measures.csv, row 10, column theme: unknown theme 'economics'" in result.stdout
    assert f"measures.csv, row {len(lines)}: " in result.stdout and "fields, the header has" in result.stdout
    assert f"{len(lines) - 1 - 2} valid rows, 2 rejected" in result.stdout
