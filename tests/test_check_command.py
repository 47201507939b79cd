"""`python -m panprd check`: the summary on our data, and what it says about broken files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from panprd import data

ROOT = Path(__file__).resolve().parent.parent


def check(*args: str, data_root: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PANPRD_DATA_ROOT": str(data_root)} if data_root else None
    return subprocess.run([sys.executable, "-m", "panprd", "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


def altered_copy(tmp_path: Path, change) -> Path:
    """A copy of the data with features.geojson changed by `change(features by id)`."""
    for name in ("sources", "geodata"):
        shutil.copytree(data.ROOT / name, tmp_path / name)
    shutil.copy(data.ROOT / "measures.csv", tmp_path / "measures.csv")
    path = tmp_path / "geodata" / "features.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    change({f["properties"]["id"]: f for f in doc["features"]})
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_our_data_passes_with_every_clause_covered():
    result = check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clauses of sections 二–十: 28, quoted by a row: 28" in result.stdout
    assert "unresolved references and other errors: 0" in result.stdout
    assert "invalid geometries: 0" in result.stdout
    assert "railways in China: 7, drawn with at least one intermediate place: 7" in result.stdout
    assert "exempt): rail_china_europe_xiamen_lodz" in result.stdout
    assert "not mapped: 7, with a stated reason in zh and en: 7" in result.stdout
    assert "geometry basis and source in zh and en: 48 of 48 features" in result.stdout


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


def test_a_railway_drawn_straight_between_its_ends_fails(tmp_path):
    def straighten(features):
        line = features["rail_ganlong"]["geometry"]["coordinates"]
        features["rail_ganlong"]["geometry"]["coordinates"] = [line[0], line[-1]]

    result = check(data_root=altered_copy(tmp_path, straighten))
    assert result.returncode == 1, result.stdout
    assert "railways in China: 7, drawn with at least one intermediate place: 6" in result.stdout
    assert "column geometry: feature rail_ganlong: a railway in China drawn without an intermediate place" \
        in result.stdout


def test_a_feature_without_geometry_or_reason_fails(tmp_path):
    def unmap(features):
        features["zone_gulei_ctz"]["geometry"] = None  # its basis still describes a point
        features["zone_bigdata_parks"]["properties"]["geometry_basis_zh"] = "未上图："  # a prefix, no reason

    result = check(data_root=altered_copy(tmp_path, unmap))
    assert result.returncode == 1, result.stdout
    assert "not mapped: 8, with a stated reason in zh and en: 6" in result.stdout
    assert "column geometry_basis_en: feature zone_gulei_ctz: no geometry, but the basis does not say why" \
        in result.stdout
    assert "column geometry_basis_zh: feature zone_bigdata_parks: no geometry and no stated reason" in result.stdout


def test_basis_or_source_in_one_language_only_fails(tmp_path):
    def drop_english(features):
        del features["port_fuzhou_kemen"]["properties"]["source_en"]
        features["airport_fuzhou_phase2"]["properties"]["geometry_basis_en"] = ""

    result = check(data_root=altered_copy(tmp_path, drop_english))
    assert result.returncode == 1, result.stdout
    assert "geometry basis and source in zh and en: 46 of 48 features" in result.stdout
    assert "column source_en: feature" in result.stdout and "(id port_fuzhou_kemen): property missing" in result.stdout
    assert "column geometry_basis_en: feature airport_fuzhou_phase2: empty; the text is needed in both languages" \
        in result.stdout


def test_the_finer_levels_are_reported_and_a_changed_one_refused_by_name(tmp_path):
    result = check()
    for name, zoom in (("1", "6.0"), ("2", "8.5"), ("3", "11.0")):
        assert f"  level {name} from zoom {zoom}: 212 counties" in result.stdout, result.stdout
    assert "largest deviation from the full-resolution source 22.0 m" in result.stdout
    root = altered_copy(tmp_path, lambda features: None)
    level = root / "geodata" / "levels" / "level-3.geojson"
    level.write_bytes(level.read_bytes().replace(b"350203", b"350299", 1))  # an edited file, still GeoJSON
    result = check(data_root=root)
    assert result.returncode == 1
    assert "level 3: geodata/levels/level-3.geojson refused" in result.stdout
    assert "error: geodata/levels/level-3.geojson: its sha256 is not the one geodata/origin.json records" \
        in result.stdout
