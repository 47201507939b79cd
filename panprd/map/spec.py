"""What a map shows, computed once from the data and the view: pure data, drawn by two renderers.

`build()` gives a `MapSpec`: the window, the basemap fills (Fujian's units shaded by their number of
actions on the overview, partners tinted), the visible features with their kind styles, the dashed
links to partners a feature names but does not reach, and the legend entries. `panprd.map.leaflet` draws it
with folium for the browser and `panprd.map.png` with matplotlib for the PNG, so the two cannot
disagree. The display geometries are a lighter copy of the layers made once per loaded data.

Traffic lights (issue 14): each drawn feature gets a dot in the colour of the worst light of the shown
actions naming it, and each Fujian unit a ring just inside its border in the worst light of its actions
(red > yellow > green > grey), the counts of each light in the tooltips. The dots sit on the feature
(a point feature's marker keeps its kind colour around the dot) and the rings inside the units, so
the kind colours, the choropleth and the names stay as they were. The lights are drawn (an overlay the
layer control can hide, with its legend entries) when a shown action has a light other than grey, or
when a `status`/`light` filter is active (`?light=grey` shows which have not reported); with no report
among the shown actions the map is drawn as it was before the ledger (a map of grey dots tells an
official nothing).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from panprd import ledger_view, origin, pages, vocab
from panprd.data import Dataset, Geo
from panprd.i18n import t
from panprd.map import levels
from panprd.tracking.status import LIGHTS, PlaceLight

SEA_COLOUR = "#cfe2f3"
LAND_COLOUR = "#b4b6b9"  # provinces outside the 9+2 (浙江, 台湾省 …)
FUJIAN_COLOUR = "#fceeb4"
MEMBER_COLOUR = "#e3f2e2"  # the other 9+2 members
PARTNER_COLOUR = "#94c194"  # members the shown actions name: the second emphasis
PARTNER_EDGE = "#33691e"
PROVINCE_EDGE = "#757575"
UNIT_EDGE = "#8d6e63"
COUNTY_EDGE = UNIT_EDGE  # the borders between a city's counties at city zoom, thinner (web and PNG)
MARITIME_COLOUR = "#5c6bc0"
LINK_COLOUR = "#e65100"


@dataclass(frozen=True)
class KindStyle:
    colour: str
    weight: float
    dash: str | None = None  # an SVG dash pattern; None: solid
    fill_opacity: float = 0.18  # of an area


# One style per feature kind.
KIND_STYLES: dict[str, KindStyle] = {
    "railway": KindStyle("#7b1fa2", 4),
    "port": KindStyle("#0d47a1", 2),
    "airport": KindStyle("#00838f", 2),
    "grid_link": KindStyle("#e65100", 3, "8 6"),
    "pipeline": KindStyle("#6d4c41", 3, "2 6"),
    "data_centre": KindStyle("#283593", 2),
    "ict": KindStyle("#3949ab", 2),
    "zone": KindStyle("#c62828", 2),
    # Transfer and cooperation zones, one colour per kind (smaller zones come later in the file: on top).
    "transfer_area": KindStyle("#ef6c00", 2),
    "cooperation_zone": KindStyle("#6a1b9a", 2),
    "innovation_zone": KindStyle("#1565c0", 2),
    "new_area": KindStyle("#2e7d32", 2),
    "ftz": KindStyle("#c62828", 2),
    "pilot_zone": KindStyle("#00838f", 2),
    # Outline only (a light wash): coastal land, never to be read as a line at sea.
    "marine_economy_zone": KindStyle("#00897b", 2.5, "1 5", 0.06),
    "bonded_zone": KindStyle("#ad1457", 2),
    "basin": KindStyle("#0277bd", 2),
    "park": KindStyle("#2e7d32", 2),
    "reserve_network": KindStyle("#00695c", 2, "4 4"),
}
FALLBACK_STYLE = KindStyle("#424242", 2)
# Five classes for the overview choropleth of actions per Fujian unit (light to dark). These and the four fills
# above are told apart with deuteranopia and protanopia too: CIEDE2000 ≥ 10 between adjacent classes and between
# any two fills, simulated (tests/test_colour_vision.py, issue 22).
CHOROPLETH_COLOURS: tuple[str, ...] = (FUJIAN_COLOUR, "#fdae6b", "#f16913", "#d7301f", "#990000")

# The display copy of the layers: the basemap coverage (provinces and Fujian's ten units) simplified
# together at ~2 km so neighbours still touch (about 2 pixels at the zoom the Fujian pages open at),
# features simplified on their own, coordinates rounded to 0.001° (~100 m). Islets below MIN_PART_AREA
# (~0.1 km²) are left out of the context provinces and the area features, never out of Fujian, Taiwan
# (赤尾屿 is ~0.07 km²) or Hainan (the 南海诸岛).
DISPLAY_TOLERANCE = 0.02
COORD_DECIMALS = 3
MIN_PART_AREA = 1e-5
KEEP_EVERY_ISLET = frozenset({vocab.FUJIAN_CODE, *vocab.FUJIAN_UNITS, "710000", "460000"})
# The mainland 9+2 region the maps fit within; the South China Sea islands are in the inset.
MAIN_WINDOW = (97.0, 17.5, 125.0, 31.0)
INSET_WINDOW = (105.0, 2.5, 125.0, 25.0)
TAIWAN_CODE = "710000"
FOCUS_MARGIN = 0.15  # degrees around a focused feature


@dataclass(frozen=True)
class LegendEntry:
    shape: str  # "line", "point", "area" (outlined, light fill) or "fill" (a basemap colour)
    colour: str
    label: str
    weight: float = 1.0
    dash: str | None = None
    heading: str = ""  # a sub-heading shown before this entry (the choropleth classes)
    symbol: str = ""  # a traffic light's shape (ledger_view.LIGHT_SYMBOLS), drawn instead of a plain swatch


@dataclass(frozen=True)
class PartnerLink:
    start: tuple[float, float]  # lon, lat
    end: tuple[float, float]
    partner: str


@dataclass(frozen=True, eq=False)
class MapSpec:
    page: str
    lang: str
    layer: str | None  # None: every layer (the overview)
    choropleth: bool
    features: gpd.GeoDataFrame  # the mapped features the filtered rows concern, on the page's layer
    unit_counts: dict[str, int]
    unit_fill: dict[str, str]  # Fujian unit code -> colour
    province_fill: dict[str, str]  # province code (Fujian excluded) -> colour
    partners: frozenset[str]  # the members the shown actions name (drawn with the second emphasis)
    links: tuple[PartnerLink, ...]
    window: tuple[float, float, float, float]  # lon/lat box to fit
    legend: tuple[LegendEntry, ...]
    boundaries: str  # the boundary data's package, version and licence, from geodata/origin.json
    focus: str | None = None  # the feature or Fujian unit the window fits
    selected: tuple[str, ...] = ()  # features and Fujian units chosen (a link or a click): drawn highlighted
    lights: bool = False  # the traffic lights drawn (module docstring)
    feature_lights: dict[str, PlaceLight] = field(default_factory=dict)  # drawn feature id -> worst light
    unit_lights: dict[str, PlaceLight] = field(default_factory=dict)  # Fujian unit code -> worst light

    def style(self, kind: str) -> KindStyle:
        return KIND_STYLES.get(kind, FALLBACK_STYLE)


def features_of(ds: Dataset, measures: pd.DataFrame, layer: str | None, mapped: bool = True) -> gpd.GeoDataFrame:
    """The features the filtered measures concern, on one layer: those with a geometry (or without)."""
    wanted = {fid for fids in measures["features"] for fid in fids}
    layers, has_geometry = _feature_masks(ds.geo)
    keep = ds.geo.features.index.isin(wanted) & (has_geometry if mapped else ~has_geometry)
    if layer:
        keep &= layers == layer
    return ds.geo.features[keep]


@functools.lru_cache(maxsize=4)
def _feature_masks(geo: Geo) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's layer and whether it has a geometry, once per loaded data (a Geo hashes by identity)."""
    features = geo.features
    return features["layer"].to_numpy(dtype=object), (features.geometry.notna() & ~features.geometry.is_empty
                                                      ).to_numpy()


def unit_counts(measures: pd.DataFrame) -> dict[str, int]:
    """Number of filtered actions that concern each Fujian unit."""
    counts = dict.fromkeys(vocab.FUJIAN_UNITS, 0)
    for units in measures["fujian_units"]:
        for unit in units:
            counts[unit] += 1
    return counts


def class_breaks(values: list[int], classes: int = len(CHOROPLETH_COLOURS)) -> list[int]:
    """Upper bounds of equal-interval classes over 1..max (0 gets its own, lightest class)."""
    top = max(values, default=0)
    if top <= 0:
        return []
    step = max(1, -(-top // (classes - 1)))
    return [step * i for i in range(1, classes)]


def class_colour(value: int, breaks: list[int]) -> str:
    if value <= 0 or not breaks:
        return CHOROPLETH_COLOURS[0]
    return next((CHOROPLETH_COLOURS[i + 1] for i, upper in enumerate(breaks) if value <= upper),
                CHOROPLETH_COLOURS[-1])


@functools.lru_cache(maxsize=4)
def display_geometries(geo: Geo) -> tuple[pd.Series, pd.Series]:
    """Lighter geometries for drawing: (basemap by code, features by id), computed once per Geo."""
    admin = geo.admin
    base = admin[((admin["level"] == "province") & (admin["id"] != vocab.FUJIAN_CODE))
                 | admin["id"].isin(list(vocab.FUJIAN_UNITS))]
    base = base[~base.index.duplicated()]
    simplified = shapely.coverage_simplify(base.geometry.values, DISPLAY_TOLERANCE)
    simplified = [g if code in KEEP_EVERY_ISLET else _without_islets(g) for code, g in zip(base.index, simplified)]
    basemap = pd.Series(shapely.set_precision(simplified, 10 ** -COORD_DECIMALS), index=base.index)
    features = geo.features.geometry.dropna()
    lighter = [_without_islets(g) for g in shapely.simplify(features.values, DISPLAY_TOLERANCE, preserve_topology=True)]
    return basemap, pd.Series(shapely.set_precision(lighter, 10 ** -COORD_DECIMALS), index=features.index)


def _without_islets(geom):
    """The polygon parts of at least MIN_PART_AREA (all of a geometry that has no larger part)."""
    if geom.geom_type != "MultiPolygon":
        return geom
    parts = [p for p in geom.geoms if p.area >= MIN_PART_AREA]
    return shapely.MultiPolygon(parts) if parts else geom


def provinces(ds: Dataset) -> pd.Index:
    """The codes of the provinces drawn as context (every province but Fujian, whose units are drawn)."""
    return _provinces(ds.geo)


@functools.lru_cache(maxsize=4)
def _provinces(geo: Geo) -> pd.Index:
    admin = geo.admin
    return admin[(admin["level"] == "province") & (admin["id"] != vocab.FUJIAN_CODE)].index


def window(ds: Dataset, features: gpd.GeoDataFrame, page: str, focus: str | None) -> tuple[float, ...]:
    """The box to fit: the focused feature or Fujian unit; else Fujian with the visible features (and the
    whole 9+2 on the overview), within the mainland window (the South China Sea is in the inset)."""
    if focus in features.index:
        geom = features.at[focus, "geometry"].buffer(FOCUS_MARGIN)
    elif focus in vocab.FUJIAN_UNITS:
        geom = ds.geo.admin.at[focus, "geometry"]
    else:  # Fujian and Taiwan (钓鱼岛 and 赤尾屿 included) are always in view
        geoms = [ds.geo.admin.at[code, "geometry"] for code in (vocab.FUJIAN_CODE, TAIWAN_CODE)]
        geoms += list(features.geometry)
        if pages.BY_KEY[page].layer is None:
            geoms += list(ds.geo.admin.loc[[p for p in vocab.PARTNERS if p in ds.geo.admin.index]].geometry)
        geom = shapely.union_all([shapely.envelope(g) for g in geoms]).intersection(shapely.box(*MAIN_WINDOW))
        return _clear_of_the_inset(ds, features, geom.bounds)
    return tuple(float(v) for v in geom.bounds)


# The share of the map's width and height the 南海诸岛 inset may take in its lower right corner (130 × 200
# pixels with its margins, on maps from 560 pixels wide and 600 high).
INSET_SHARE = (0.26, 0.40)


@functools.lru_cache(maxsize=4)
def fujian_and_taiwan(geo: Geo) -> shapely.Geometry:
    """The land the inset must never cover, as drawn: made once per loaded data."""
    basemap, _ = display_geometries(geo)
    return shapely.union_all([basemap[c] for c in (*vocab.FUJIAN_UNITS, TAIWAN_CODE)])


def _clear_of_the_inset(ds: Dataset, features: gpd.GeoDataFrame, box) -> tuple[float, float, float, float]:
    """The window widened eastwards over the sea until its lower right corner, where the inset sits, holds
    no Fujian or Taiwan land and no drawn feature."""
    minx, miny, maxx, maxy = (float(v) for v in box)
    share_x, share_y = INSET_SHARE
    corner = shapely.box(minx, miny, maxx, miny + share_y * (maxy - miny))
    # Each protected shape clipped on its own (the union of the clips is the clip of the union, without
    # the cost of uniting every feature with Fujian and Taiwan's coastline on every build).
    clipped = shapely.intersection([fujian_and_taiwan(ds.geo), *features.geometry], corner)
    strips = [g for g in clipped if not g.is_empty]
    if not strips:
        return minx, miny, maxx, maxy
    east = max(g.bounds[2] for g in strips)
    return minx, miny, max(maxx, (east - share_x * minx) / (1 - share_x)), maxy


def partner_links(ds: Dataset, features: gpd.GeoDataFrame) -> tuple[PartnerLink, ...]:
    """A link from each feature to each partner province it names but does not reach itself."""
    every = _partner_links(ds.geo)
    return tuple(link for fid in features.index for link in every.get(fid, ()))


@functools.lru_cache(maxsize=4)
def _partner_links(geo: Geo) -> dict[str, tuple[PartnerLink, ...]]:
    """Every mapped feature's partner links, once per loaded data."""
    admin = geo.admin
    out = {}
    for fid, row in geo.features[geo.features.geometry.notna()].iterrows():
        if row.geometry.is_empty:
            continue
        start = row.geometry.representative_point()
        links = []
        for partner in row["partners"]:
            if partner in admin.index and not row.geometry.intersects(admin.at[partner, "geometry"]):
                end = admin.at[partner, "geometry"].representative_point()
                links.append(PartnerLink((start.x, start.y), (end.x, end.y), partner))
        out[fid] = tuple(links)
    return out


def named_partners(measures: pd.DataFrame, features: gpd.GeoDataFrame, layer: str | None) -> set[str]:
    """The members a map emphasises: on a layer's page those its drawn features name; on the overview
    (every layer) those the filtered actions name, mapped or not (Hong Kong and Macao have no feature)."""
    source = features["partners"] if layer else measures["partners"]
    return {p for ps in source for p in ps}


def _shape(geom_types: set[str]) -> str:
    if geom_types & {"LineString", "MultiLineString"}:
        return "line"
    return "point" if geom_types <= {"Point", "MultiPoint"} else "area"


def light_tip(place: PlaceLight, lang: str) -> str:
    """A tooltip's plain text for a feature's or unit's light: the light and the count of each (escape it)."""
    return t("light_tip", lang).format(light=LIGHTS[place.light].label(lang), **place.counts)


# How far inside a Fujian unit's border its light ring runs (degrees): clear of the neighbour's ring.
RING_INSET = 0.03
RING_SIMPLIFY = 0.003


@functools.lru_cache(maxsize=4)
def unit_rings(geo: Geo) -> pd.Series:
    """Fujian unit code -> the line just inside its display border where its traffic light is drawn (once per
    loaded data: the shapes file, every map with lights and the slide PNG ask for them)."""
    basemap, _ = display_geometries(geo)
    codes = list(vocab.FUJIAN_UNITS)
    # few vertices on the corners and 300 m simplification: a ring is a mark, not a border (and every map's
    # static shapes file carries the ten of them)
    inner = shapely.simplify(shapely.buffer(basemap[codes].values, -RING_INSET, quad_segs=4), RING_SIMPLIFY)
    return pd.Series([g.boundary if not g.is_empty else b.boundary for g, b in zip(inner, basemap[codes])],
                     index=codes)


def light_anchor(geom) -> shapely.Point:
    """Where a feature's light dot sits: on the point itself, else a point on the line or in the area."""
    return geom if geom.geom_type == "Point" else geom.representative_point()


def legend(features: gpd.GeoDataFrame, choropleth: bool, breaks: list[int], lang: str, lights: bool = False
           ) -> tuple[LegendEntry, ...]:
    """The kinds drawn, then the basemap colours (or the choropleth classes), then the traffic lights when
    shown, then the maritime line."""
    entries = []
    drawn: dict[str, set[str]] = {}  # kind -> its geometry types, in one pass
    for kind, geom_type in zip(features["kind"], features.geometry.geom_type):
        drawn.setdefault(kind, set()).add(geom_type)
    for kind, style in KIND_STYLES.items():
        if kind in drawn:
            entries.append(LegendEntry(_shape(drawn[kind]), style.colour, vocab.FEATURE_KINDS[kind].label(lang),
                                       style.weight, style.dash))
    if choropleth:
        heading = t("legend_choropleth", lang)
        entries.append(LegendEntry("fill", CHOROPLETH_COLOURS[0], "0", heading=heading))
        lower = 1
        for colour, upper in zip(CHOROPLETH_COLOURS[1:], breaks):
            entries.append(LegendEntry("fill", colour, f"{lower}" if lower == upper else f"{lower}–{upper}"))
            lower = upper + 1
    else:
        entries.append(LegendEntry("fill", FUJIAN_COLOUR, t("legend_fujian", lang)))
    entries.append(LegendEntry("fill", PARTNER_COLOUR, t("legend_partner", lang)))
    entries.append(LegendEntry("fill", MEMBER_COLOUR, t("legend_member", lang)))
    entries.append(LegendEntry("fill", LAND_COLOUR, t("legend_province", lang)))
    if lights:
        entries += [LegendEntry("point", ledger_view.LIGHT_COLOURS[key], term.label(lang),
                                heading=t("legend_lights", lang) if i == 0 else "",
                                symbol=ledger_view.LIGHT_SYMBOLS[key])
                    for i, (key, term) in enumerate(LIGHTS.items())]
    entries.append(LegendEntry("line", MARITIME_COLOUR, t("png_maritime", lang), 1.5, "6 4"))
    return tuple(entries)


def build(ds: Dataset, measures: pd.DataFrame, page: str, lang: str = "zh", focus: str | None = None,
          selected: tuple[str, ...] = (), show_lights: bool | None = None) -> MapSpec:
    """What the map of one page shows for the filtered measures (with the ledger's `light` column when
    joined: ledger_view.with_statuses). `show_lights` None: the light layer is on when a shown action has
    a light other than grey; True when a status or light filter asks for it."""
    layer = pages.BY_KEY[page].layer
    choropleth = layer is None
    features = features_of(ds, measures, layer)
    counts = unit_counts(measures)
    breaks = class_breaks(list(counts.values())) if choropleth else []
    partners = named_partners(measures, features, layer)
    members = set(vocab.PARTNERS)
    box = window(ds, features, page, focus)
    lit = (show_lights if show_lights is not None
           else bool((ledger_view.light_values(measures) != "grey").any()))
    return MapSpec(
        page=page, lang=lang, layer=layer, choropleth=choropleth, features=features, unit_counts=counts,
        unit_fill={code: class_colour(counts[code], breaks) if choropleth else FUJIAN_COLOUR
                   for code in vocab.FUJIAN_UNITS},
        province_fill={code: PARTNER_COLOUR if code in partners else MEMBER_COLOUR if code in members else LAND_COLOUR
                       for code in provinces(ds)},
        partners=frozenset(partners),
        links=partner_links(ds, features),
        window=box,
        legend=legend(features, choropleth, breaks, lang, lit),
        boundaries=origin.boundaries_credit(ds.origin, lang),
        focus=focus,
        selected=selected,
        lights=lit,
        feature_lights=ledger_view.worst_lights(measures, "features", features.index),
        unit_lights=ledger_view.worst_lights(measures, "fujian_units", vocab.FUJIAN_UNITS),
    )


# How near a click must be to a line or point feature to hit it: a share of the window's width, about
# 8 pixels on a map 900 pixels wide (a finger's width on a touch screen, a generous margin for a mouse).
HIT_SHARE = 0.009


def hit_test(ds: Dataset, spec: MapSpec, lon: float, lat: float) -> tuple[str, ...]:
    """Everything under a click, most specific first: the line and point features near it (nearest first),
    the Fujian unit that contains it, then the area features that contain it. An area never hides the
    unit beneath it, and a marker never hides the unit around it: the panel lists them all.

    The unit is found in the finest level (panprd.map.levels) first: what a reader zoomed in sees (鼓浪屿,
    Pingtan's coast) is what the click opens; where that finds no unit (the basemap's coarser coast, drawn
    at region zoom, reaches into the sea), in the basemap."""
    point = shapely.Point(lon, lat)
    tolerance = (spec.window[2] - spec.window[0]) * HIT_SHARE
    near, areas = [], []
    for fid, geom in spec.features.geometry.items():
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            if geom.covers(point):
                areas.append((geom.area, fid))  # the smaller zone first
        elif (distance := geom.distance(point)) <= tolerance:
            near.append((distance, fid))
    county = levels.county_at(ds, lon, lat)
    if county is not None and county[1] in vocab.FUJIAN_UNITS:
        units = [county[1]]
    else:
        basemap, _ = display_geometries(ds.geo)
        units = [code for code in vocab.FUJIAN_UNITS if basemap[code].covers(point)]
    return tuple([f for _, f in sorted(near)] + units + [f for _, f in sorted(areas)])
