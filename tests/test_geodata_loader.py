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


def features_of(geodata_dir: Path) -> list[dict]:
    return json.loads((geodata_dir / "features.geojson").read_text(encoding="utf-8"))["features"]


def feature_by_id(features: list[dict], fid: str) -> dict:
    return next(f for f in features if f["properties"]["id"] == fid)


def test_feature_text_picks_the_ui_language_and_falls_back():
    geo, _ = data.load_geo()
    rail = geo.features.loc["rail_xiangpu"]
    assert data.feature_text(rail, "geometry_basis", "zh").startswith("示意：")
    assert data.feature_text(rail, "geometry_basis", "en").startswith("Schematic:")
    assert data.feature_text(rail, "source", "en").startswith("Policy text")
    assert data.feature_text(rail, "short", "zh") == "向莆铁路"
    assert data.feature_text(rail, "name", "en") == "Xiangtang–Putian Railway"
    half = {"source_zh": "政策原文", "source_en": " "}
    assert data.feature_text(half, "source", "en") == "政策原文"  # the other language rather than a blank
    with pytest.raises(ValueError):
        data.feature_text(rail, "geometry_basis_zh", "zh")


def test_feature_problems_are_errors_naming_feature_and_column(geodata):
    def break_four(features):
        rail = feature_by_id(features, "rail_xiangpu")
        coords = rail["geometry"]["coordinates"][0]
        rail["geometry"] = {"type": "LineString", "coordinates": [coords[0], coords[-1]]}  # straight, end to end
        feature_by_id(features, "port_xiamen_container")["geometry"] = None  # no geometry, basis still "近似"
        feature_by_id(features, "zone_vr_industry_base")["properties"]["geometry_basis_en"] = "Not mapped: "
        del feature_by_id(features, "park_wuyishan_pilot")["properties"]["source_en"]
        feature_by_id(features, "basin_tingjiang_hanjiang")["properties"]["source_zh"] = ""

    edit_features(geodata, break_four)
    geo, issues = data.load_geo(geodata)
    found = {(i.message.split(":")[0], i.column) for i in issues}
    park = [f["properties"]["id"] for f in features_of(geodata)].index("park_wuyishan_pilot")
    assert found == {
        ("feature rail_xiangpu", "geometry"),
        ("feature port_xiamen_container", "geometry_basis_zh"),
        ("feature port_xiamen_container", "geometry_basis_en"),
        ("feature zone_vr_industry_base", "geometry_basis_en"),
        (f"feature {park} (id park_wuyishan_pilot)", "source_en"),  # property missing
        ("feature park_wuyishan_pilot", "source_en"),  # and so empty
        ("feature basin_tingjiang_hanjiang", "source_zh"),
    }
    assert all(i.severity == "error" and i.file == "geodata/features.geojson" for i in issues)
    assert len(geo.features) == 48  # reported, not dropped


def test_site_names_must_match_the_sites(geodata):
    def drop_a_name(features):
        props = feature_by_id(features, "network_mangrove_4prov")["properties"]
        props["parts_en"] = props["parts_en"].rsplit(";", 1)[0]

    edit_features(geodata, drop_a_name)
    _, issues = data.load_geo(geodata)
    assert [(i.column, i.message) for i in issues] == [
        ("parts_en", "feature network_mangrove_4prov: 10 site names for 11 sites in the geometry")]
