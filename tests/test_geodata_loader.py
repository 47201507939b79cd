"""geodata/ files that are missing, truncated, not JSON, invalid or projected: an error naming file and feature."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from panprd import data


@pytest.fixture()
def geodata(tmp_path: Path) -> Path:
    target = tmp_path / "geodata"
    shutil.copytree(data.ROOT / "geodata", target)
    return target


def fatal_issues(geodata_dir: Path) -> list[data.Issue]:
    with pytest.raises(data.DataError) as exc:
        data.load_geo(geodata_dir)
    return exc.value.issues


def edit_features(geodata_dir: Path, change) -> None:
    path = geodata_dir / "features.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc["features"])
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_the_committed_geodata_loads_clean():
    geo, issues = data.load_geo()
    assert issues == [] and len(geo.features) == 48


def test_missing_file(geodata):
    (geodata / "cities.geojson").unlink()
    issues = fatal_issues(geodata)
    assert [(i.file, i.message) for i in issues] == [("geodata/cities.geojson", "file missing")]


def test_truncated_file_names_line_and_column(geodata):
    path = geodata / "features.geojson"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    issue = fatal_issues(geodata)[0]
    assert issue.file == "geodata/features.geojson" and "invalid JSON at line" in issue.message


def test_not_json_at_all(geodata):
    (geodata / "maritime.geojson").write_text("<html>not found</html>", encoding="utf-8")
    assert "invalid JSON" in fatal_issues(geodata)[0].message


def test_self_intersecting_polygon_is_named_by_feature(geodata):
    bowtie = {"type": "Polygon", "coordinates": [[[117, 25], [118, 26], [118, 25], [117, 26], [117, 25]]]}

    def break_one(features):
        features[45]["geometry"] = bowtie

    edit_features(geodata, break_one)
    geo, issues = data.load_geo(geodata)
    fid = json.loads((geodata / "features.geojson").read_text(encoding="utf-8"))["features"][45]["properties"]["id"]
    assert [(i.file, i.row, i.column) for i in issues] == [("geodata/features.geojson", 45, "geometry")]
    assert fid in issues[0].message and "Self-intersection" in issues[0].message
    assert fid not in geo.features.index  # reported, and kept out of the map rather than drawn wrong


def test_projected_metres_are_refused(geodata):
    def to_metres(features):
        features[0]["geometry"] = {"type": "Point", "coordinates": [13_300_000.0, 2_950_000.0]}

    edit_features(geodata, to_metres)
    issue = fatal_issues(geodata)[0]
    assert issue.row == 0 and "projected" in issue.message and "EPSG:4326" in issue.message


def test_a_declared_projected_crs_is_refused(geodata):
    path = geodata / "provinces.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert "3857" in fatal_issues(geodata)[0].message


def test_unknown_place_code_and_kind_are_reported(geodata):
    def corrupt(features):
        features[0]["properties"]["places"] = "999999"
        features[1]["properties"]["kind"] = "teleporter"

    edit_features(geodata, corrupt)
    _, issues = data.load_geo(geodata)
    assert {(i.row, i.column) for i in issues} == {(0, "places"), (1, "kind")}
