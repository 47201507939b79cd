"""The admin coverage at finer scales, for a reader who zooms into a city (issue 20).

The basemap every view draws is light (panprd.map.spec.display_geometries: ~2 km, a 100 m grid), which is
right for the region and wrong at city zoom, where Xiamen island would be an octagon. tools/build_geodata.py
writes `geodata/levels/level-<n>.geojson`: the counties of Fujian, of its neighbours where they meet it
(FINE_BOX) and the whole of Taiwan, one coverage per level, each drawn from its zoom on (`min_zoom` in
origin.json, with the file's sha256). The browser fetches a level only for the units in view
(panprd.map.files.level_files); the server hit-tests a click against the finest level, so a small island
the reader sees is the island the click opens.

A level file is used only when its sha256 is the one origin.json records: a changed or truncated file is
reported by `check` and left out (the map then stays at the coarser levels).
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from panprd import data
from panprd.data import Dataset, Issue
from panprd.messages import Message

COUNTY_ZOOM = 8.5  # county borders and names from here (the level whose zoom this is carries the borders)
# The counties of the neighbours that meet this box are in the levels; outside it they keep the basemap's.
FINE_BOX = (115.2, 22.9, 121.3, 28.9)
TAIWAN_CODE = "710000"  # in the levels whole, islets and all


@dataclass(frozen=True, eq=False)
class Level:
    """One level: its name, the zoom it is drawn from, and its counties (index: code; unit, names, geometry)."""

    name: str
    min_zoom: float
    counties: gpd.GeoDataFrame

    @functools.cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.counties.geometry.values)


def records(ds: Dataset) -> list[dict]:
    """The levels origin.json records (none when the record or the key is absent)."""
    return list((ds.origin or {}).get("levels") or [])


def problems(ds: Dataset, geodata_dir: Path | None = None) -> list[Issue]:
    """Each level file that is missing or whose sha256 differs from origin.json's, named."""
    folder = geodata_dir or data.ROOT / "geodata"
    out = []
    for record in records(ds):
        path = folder / record["file"]
        name = f"geodata/{record['file']}"
        if not path.exists():
            out.append(Issue(name, None, None, Message("issue_file_missing")))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != record["sha256"]:
            out.append(Issue(name, None, None, Message("issue_level_sha", expected=record["sha256"][:12])))
    return out


def of(ds: Dataset) -> tuple[Level, ...]:
    """The usable levels, coarsest first, read once per loaded data."""
    wanted = tuple((r["level"], r["file"], r["sha256"], float(r["min_zoom"])) for r in records(ds))
    return _levels(ds.geo, str(data.ROOT / "geodata"), wanted)


@functools.lru_cache(maxsize=4)
def _levels(_geo: data.Geo, folder: str, wanted: tuple[tuple[str, str, str, float], ...]) -> tuple[Level, ...]:
    out = []
    for name, file, sha, min_zoom in sorted(wanted, key=lambda w: w[3]):
        path = Path(folder) / file
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            continue  # `check` names it; the map keeps the coarser levels
        counties = gpd.read_file(path).set_index("id", drop=False)
        out.append(Level(name, min_zoom, counties))
    return tuple(out)


def at_zoom(ds: Dataset, zoom: float) -> Level | None:
    """The level drawn at a Leaflet zoom (None below the first: the basemap's outlines)."""
    usable = [level for level in of(ds) if zoom >= level.min_zoom]
    return usable[-1] if usable else None


def zoom_of_width(width_deg: float, width_px: float) -> float:
    """The Leaflet zoom (256-pixel tiles) at which `width_deg` of longitude spans `width_px` pixels."""
    return math.log2(360 * width_px / (256 * width_deg))


@dataclass(frozen=True)
class UnitShape:
    """A unit at a level: its outline and, from COUNTY_ZOOM, the borders between its counties (or None)."""

    outline: shapely.Geometry
    borders: shapely.Geometry | None


@functools.lru_cache(maxsize=8)
def unit_shapes(geo: data.Geo, level: Level) -> dict[str, UnitShape]:
    """Each unit of a level, by code (a city, Pingtan, a neighbouring province, Taiwan), once per level.

    A neighbouring province is in the levels only near Fujian (FINE_BOX): its outline is that part at this
    level and the rest as the geodata has it (~400 m), so the swapped shape is still the whole province.
    """
    box = shapely.box(*FINE_BOX)
    provinces = geo.admin[geo.admin["level"] == "province"].geometry
    out = {}
    for unit, counties in level.counties.groupby("unit", sort=True):
        outline = shapely.coverage_union_all(counties.geometry.values)
        if not unit.startswith("35") and unit != TAIWAN_CODE and unit in provinces.index:
            outline = shapely.union(shapely.intersection(outline, box), shapely.difference(provinces[unit], box))
        borders = None
        if level.min_zoom >= COUNTY_ZOOM and unit.startswith("35") and len(counties) > 1:
            edges = shapely.union_all(shapely.boundary(counties.geometry.values))
            borders = shapely.line_merge(shapely.difference(edges, shapely.boundary(outline)))
        out[str(unit)] = UnitShape(outline, None if borders is None or borders.is_empty else borders)
    return out


def county_name(ds: Dataset, code: str, lang: str) -> str:
    """A county's name in the UI language, from the finest level ("" when no level has it)."""
    levels = of(ds)
    if not levels or code not in levels[-1].counties.index:
        return ""
    return str(levels[-1].counties.at[code, "name_zh" if lang == "zh" else "name_en"])


def county_at(ds: Dataset, lon: float, lat: float) -> tuple[str, str] | None:
    """(county code, the unit it belongs to) at a point of the finest level, or None (the sea, or no levels)."""
    levels = of(ds)
    if not levels:
        return None
    finest = levels[-1]
    hits = finest.tree.query(shapely.Point(lon, lat), predicate="within")
    if len(hits) == 0:
        return None
    row = finest.counties.iloc[int(hits[0])]
    return str(row["id"]), str(row["unit"])
