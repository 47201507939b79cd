"""The finer levels of the admin coverage (issue 20): true to the source at the zooms they are drawn, one
coverage each, Kinmen and Matsu in their cities, small files per unit, a changed file refused."""

from __future__ import annotations

import gzip
import json
import math
import shutil

import pytest
import shapely

from panprd import data
from panprd.map import files as mapdata
from panprd.map import labels, levels
from panprd.map import spec as mapspec

EARTH_M = 40_075_016.7  # the equator's length: Leaflet's zoom 0 is 256 pixels for it


def pixel_m(zoom: float, lat: float) -> float:
    return EARTH_M * math.cos(math.radians(lat)) / (256 * 2 ** zoom)


def pixel_deg(zoom: float) -> float:
    return 360 / (256 * 2 ** zoom)


@pytest.fixture(scope="module")
def drawn(ds) -> tuple[levels.Level, ...]:
    found = levels.of(ds)
    assert [level.name for level in found] == ["1", "2", "3"]
    return found


def test_each_level_is_within_one_and_a_half_pixels_of_the_source_up_to_the_next(ds, drawn):
    """The build's Hausdorff figures (origin.json), against a pixel at the northern edge of the box (the
    smallest pixel in metres), at the highest zoom each level is drawn: the next level's zoom, 12 for the last."""
    records = levels.records(ds)
    tops = [level.min_zoom for level in drawn[1:]] + [12.0]
    for record, level, top in zip(records, drawn, tops, strict=True):
        allowed = 1.5 * pixel_m(top, levels.FINE_BOX[3])
        assert record["max_deviation_m"] <= allowed, (record["level"], record["max_deviation_m"], allowed)
        geoms = level.counties.geometry.values
        assert record["vertices"] == shapely.get_num_coordinates(geoms).sum()
        assert record["polygons"] == shapely.get_num_geometries(geoms).sum()
    assert [r["min_zoom"] for r in records] == sorted(r["min_zoom"] for r in records)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_neighbours_share_their_edges_at_every_level(ds, drawn, index):
    """No overlap and no unmatched edge between neighbours; no hole of a pixel's area at the level's zoom
    between them that the finest level does not have (a lake, a bay enclosed by two counties); the units'
    outlines (what the browser swaps in) a coverage too."""
    level = drawn[index]
    geoms = level.counties.geometry.values
    assert shapely.coverage_is_valid(geoms)
    union = shapely.coverage_union_all(geoms)
    finest = shapely.coverage_union_all(drawn[-1].counties.geometry.values)
    holes = [shapely.Polygon(ring) for part in getattr(union, "geoms", [union]) for ring in part.interiors]
    pixel_area = pixel_deg(level.min_zoom) ** 2
    new = [h for h in holes if h.area > pixel_area and finest.covers(h.representative_point())]
    assert not new, [h.representative_point().wkt for h in new[:5]]
    shapes = levels.unit_shapes(ds.geo, level)
    assert shapely.coverage_is_valid([shapes[code].outline for code in shapes if code.startswith("35")])


def test_kinmen_and_matsu_stay_inside_their_cities(ds, drawn):
    for level in drawn:
        shapes = levels.unit_shapes(ds.geo, level)
        kinmen = level.counties.loc["350527"]
        assert kinmen["unit"] == "350500" and kinmen["name_zh"] == "金门县"
        assert shapes["350500"].outline.buffer(1e-7).covers(kinmen.geometry)
        lianjiang = level.counties.loc["350122"]
        assert lianjiang["unit"] == "350100"
        for lon, lat in ((119.934, 26.156), (119.989, 26.22)):  # 南竿, 北竿
            assert lianjiang.geometry.covers(shapely.Point(lon, lat))
            assert shapes["350100"].outline.covers(shapely.Point(lon, lat))
    assert levels.county_at(ds, 118.35, 24.44)[1] == "350500"
    assert levels.county_at(ds, 119.934, 26.156) == ("350122", "350100")


def test_a_unit_file_is_its_outline_and_a_city_is_a_small_fetch(ds, drawn):
    files = {(f.level, f.unit): f for f in mapdata.level_files(ds)}
    assert {unit for level, unit in files if level == "3"} >= {*data.vocab.FUJIAN_UNITS, "710000", "360000"}
    xiamen = files[("3", "350200")]
    assert len(gzip.compress(xiamen.text.encode())) <= 150_000
    loaded = json.loads(xiamen.text.removeprefix("window.ppLevelLoaded(").removesuffix(");\n"))
    outline = mapdata.unpacked(loaded["outline"], loaded["scale"])
    assert outline.equals_exact(levels.unit_shapes(ds.geo, drawn[2])["350200"].outline, 1e-5)
    borders = mapdata.unpacked(loaded["borders"], loaded["scale"])
    assert borders.length > 0 and outline.buffer(1e-6).covers(borders)
    assert files[("1", "350200")].text.count('"borders":null') == 1  # no county borders below their zoom


def test_a_click_finds_the_unit_in_the_finest_level(ds):
    spec = mapspec.build(ds, ds.measures, "overview")
    assert levels.county_at(ds, 118.066, 24.447) == ("350203", "350200")  # 鼓浪屿, in 思明区
    assert "350200" in mapspec.hit_test(ds, spec, 118.066, 24.447)
    assert levels.county_name(ds, "350203", "zh") == "思明区"
    assert levels.county_at(ds, 119.3, 24.9) is None  # the strait
    islands = levels.of(ds)[-1].counties.loc["350128"].geometry.geoms
    small = min((p for p in islands if p.area > 1e-6), key=lambda p: p.area).representative_point()
    assert "350128" in mapspec.hit_test(ds, spec, small.x, small.y)  # a small island of Pingtan's, drawn at 11+


def test_counties_are_named_from_their_zoom(ds):
    named = {lab.key: lab for lab in labels.admin_labels(ds, "zh") if lab.kind == "county"}
    assert {"350203", "350206", "350211", "350205", "350212", "350213"} <= set(named)
    assert named["350203"].text == "思明区" and named["350203"].min_zoom == labels.COUNTY_LABEL_ZOOM
    assert all(lab.priority < labels.PRIORITY_CITY for lab in named.values())
    english = {lab.key: lab.text for lab in labels.admin_labels(ds, "en") if lab.kind == "county"}
    assert english["350203"] == "Siming District"


def test_a_changed_level_file_is_named_and_not_used(ds, tmp_path, monkeypatch):
    shutil.copytree(data.ROOT / "geodata", tmp_path / "geodata")
    path = tmp_path / "geodata" / "levels" / "level-2.geojson"
    path.write_bytes(path.read_bytes()[:-200])  # cut short, as a failed copy leaves it
    found = levels.problems(ds, tmp_path / "geodata")
    assert [(i.file, i.said.key) for i in found] == [("geodata/levels/level-2.geojson", "issue_level_sha")]
    assert "sha256" in found[0].text("en") and "sha256" in found[0].text("zh")
    monkeypatch.setattr(data, "ROOT", tmp_path)
    assert [level.name for level in levels.of(ds)] == ["1", "3"]
