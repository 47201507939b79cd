"""Map labels: which names a map shows, where, from which zoom, and which one gives way in a collision.

Pure data and geometry (no Streamlit, no folium): the interactive map's label layer
(panprd.map.label_layer) and the PNG export (``place_on_axes``) draw the same `Label` list, so both show
the same names in the UI language.

Zoom levels are Leaflet's (256-pixel tiles; each level doubles the scale). They were read off the
maps' opening views (fitBounds with zoomSnap 0.25, 620 px high): the overview (the mainland 9+2
window) opens at 5.25 in a 700 px wide map and 5.75 from 900 px; the Fujian pages, whose window holds
Taiwan with 钓鱼岛 and 赤尾屿 as well as Fujian and the features, at 6.0–6.75. The Fujian units therefore
appear from FUJIAN_ZOOM (6.0): not on the overview, where they would crowd a province 185 px wide, but
on every page that opens on Fujian.

Collisions: a label gives way to any label of higher priority (ties: the order of the list) and to
the map's own furniture (legend, notice, inset, controls). A `keep` label (台湾, 钓鱼岛, 赤尾屿) never
gives way; the two islets' labels sit on opposite sides of their points so they cannot meet.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely
from shapely.ops import polylabel

from panprd import vocab

if TYPE_CHECKING:  # matplotlib is imported where the PNG adapter runs, not by the interactive map
    from matplotlib.axes import Axes
    from matplotlib.font_manager import FontProperties
    from matplotlib.text import Text

    from panprd.data import Dataset, Geo

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels (either y direction)

# Zoom thresholds (Leaflet zoom levels, see the module docstring).
MIN_ZOOM = 0.0
MAX_ZOOM = 19.0
FUJIAN_ZOOM = 6.0  # Fujian's nine cities and Pingtan appear; the province label 福建 gives way to them
LINE_LABEL_ZOOM = FUJIAN_ZOOM  # railways and other links: long enough to be told apart once Fujian fills the map
POINT_LABEL_ZOOM = FUJIAN_ZOOM + 0.5  # ports, airports, data centres: several share a city, so one step later
COUNTY_LABEL_ZOOM = 8.5  # Fujian's counties and districts, with their borders (panprd.map.levels.COUNTY_ZOOM)
# From this zoom a county can be wider than the map: its name also has an anchor in each ANCHOR_CELL_DEG cell
# of it (a share of a cell at least ANCHOR_MIN_SHARE), and the first of a county's anchors placed wins, so a
# window inside 闽侯县 still names it. At 1400 px the map is ~0.45° wide at zoom 11.
COUNTY_ANCHOR_ZOOM = 10.0
ANCHOR_CELL_DEG = 0.2
ANCHOR_MIN_SHARE = 0.3
AREA_LABEL_PX = 60  # an area feature is labelled once its box is this many pixels across (points' zoom at most)

# Priorities: the higher one wins a collision.
PRIORITY_ISLAND = 100
PRIORITY_PROVINCE = 80  # the 9+2 members; other provinces one less
PRIORITY_SAR = 78
PRIORITY_CITY = 70
PRIORITY_COUNTY = 30  # below every feature: a county name gives way to the railway or port on it
#: Among Fujian's units: the provincial capital first, then Xiamen (sub-provincial city, special economic zone);
#: the rest in the policy's order (panprd.vocab.FUJIAN_UNITS), 平潭 last.
PRIORITY_CITY_RANK = {"350100": 2, "350200": 1}
PRIORITY_FEATURE: dict[str, int] = {"railway": 50, "port": 48, "airport": 48, "zone": 46, "bonded_zone": 44}
PRIORITY_FEATURE_OTHER = 40

#: The lon/lat window the maps fit to (the mainland 9+2 region, as panprd.map.leaflet.MAIN_WINDOW): a label is
#: anchored in the part of its place inside it (四川's label in the view, the Xiamen–Łódź train's in China).
REGION_WINDOW = (97.0, 17.5, 125.0, 31.0)

TAIWAN_CODE = "710000"
#: Names of the Taiwan islets that must always be labelled. Zh and en are the standard names published by
#: the State Council Information Office, white paper 《钓鱼岛是中国的固有领土》 / "Diaoyu Dao, an Inherent
#: Territory of China" (2012-09-25). The lon/lat is only where to look for the islet's polygon in
#: Taiwan's geometry (geodata/provinces.geojson); the label is anchored on that polygon.
ISLETS: dict[str, tuple[str, str, float, float, str]] = {
    "diaoyudao": ("钓鱼岛", "Diaoyu Dao", 123.47, 25.74, "right"),
    "chiweiyu": ("赤尾屿", "Chiwei Yu", 124.56, 25.92, "left"),
}
ISLET_SEARCH_DEG = 0.05  # an islet polygon farther than this from its reference point is not the islet
CENTROID_SLACK = 0.6  # the centroid is used when it is at least this share of the pole's distance from the edge

#: Hong Kong's label to the east of it and Macao's to the west: both are a few pixels wide at region zoom.
SAR_ALIGN = {"810000": "left", "820000": "right"}
KINDS = ("province", "sar", "city", "county", "island", "feature")
ALIGNS = ("center", "left", "right")  # "left": the text starts at the point; "right": it ends there
ALIGN_GAP_PX = 10  # clears the maps' point markers (CircleMarker radius 8 px)
COLLISION_PAD_PX = 2.5


@dataclass(frozen=True)
class Label:
    """One name on the map: plain text (escaped by whoever renders it as HTML) at a lon/lat.

    Shown while ``min_zoom <= zoom < max_zoom``. ``align`` places the text on (``center``) or beside
    the point; ``colour`` overrides the kind's text colour (a ``#rrggbb`` value).
    """

    key: str
    text: str
    lon: float
    lat: float
    priority: int
    min_zoom: float
    max_zoom: float
    kind: str  # one of KINDS
    keep: bool = False
    align: str = "center"
    colour: str | None = None
    group: str | None = None  # anchors of one name: at most one of a group is shown (None: the key's own)

    def shown_at(self, zoom: float) -> bool:
        return self.min_zoom <= zoom < self.max_zoom

    @property
    def name_of(self) -> str:
        """What the label names: its group, or itself."""
        return self.group or self.key


# ---------------------------------------------------------------- which labels


def county_labels(ds: Dataset, lang: str) -> list[Label]:
    """The counties' and districts' names of admin_labels (with their further anchors): the interactive map
    gets them with the finer levels (panprd.map.files.levels_js), the PNG with its other names."""
    return [lab for lab in admin_labels(ds, lang) if lab.kind == "county"]


def admin_labels(ds: Dataset, lang: str, window: Box = REGION_WINDOW) -> list[Label]:
    """The provinces, Hong Kong and Macao, Fujian's ten units, its counties and districts (from
    COUNTY_LABEL_ZOOM) and the Taiwan islets, sorted for placement.

    Provinces are the `province` rows of the geodata (the 9+2, 浙江, 台湾); their names are the data's,
    shortened (广东省 → 广东, 广西壮族自治区 → 广西; 台湾省 stays whole, as the issue names it). Fujian's
    units are named as the policy addresses them (panprd.vocab), 平潭 for 平潭综合实验区.
    """
    return list(_admin_labels(ds.geo, lang, window))


@functools.lru_cache(maxsize=8)
def _admin_labels(geo: Geo, lang: str, window: Box) -> tuple[Label, ...]:
    """admin_labels, once per loaded geodata (a Geo hashes by identity) and language: ~0.1 s of polylabel."""
    admin = geo.admin
    labels: list[Label] = []
    provinces = admin[admin["level"] == "province"]
    for code, row in provinces.iterrows():
        geom = row["geometry"]
        if geom is None or geom.is_empty:
            continue
        name = _province_name(str(code), str(row["name_zh"] if lang == "zh" else row["name_en"]), lang)
        if code in SAR_ALIGN:
            align = SAR_ALIGN[code]
            minx, _, maxx, _ = geom.bounds
            lon, lat = round(maxx if align == "left" else minx, 4), round(geom.centroid.y, 4)
            labels.append(Label(str(code), name, lon, lat, PRIORITY_SAR, MIN_ZOOM, MAX_ZOOM, "sar", align=align))
            continue
        lon, lat = interior_point(geom, window)
        priority = PRIORITY_PROVINCE if code in vocab.PARTNERS or code == vocab.FUJIAN_CODE else PRIORITY_PROVINCE - 1
        max_zoom = FUJIAN_ZOOM if code == vocab.FUJIAN_CODE else MAX_ZOOM
        labels.append(Label(str(code), name, lon, lat, priority, MIN_ZOOM, max_zoom, "province",
                            keep=code == TAIWAN_CODE))
    for code, term in vocab.FUJIAN_UNITS.items():
        if code not in admin.index or admin.at[code, "geometry"] is None or admin.at[code, "geometry"].is_empty:
            continue
        lon, lat = interior_point(admin.at[code, "geometry"], window)
        labels.append(Label(code, _unit_name(code, term, lang), lon, lat,
                            PRIORITY_CITY + PRIORITY_CITY_RANK.get(code, 0), FUJIAN_ZOOM, MAX_ZOOM, "city"))
    counties = admin[(admin["level"] == "county") & admin["id"].str.startswith("35")
                     & ~admin["id"].isin(list(vocab.FUJIAN_UNITS))]  # 平潭 is named as a unit
    for code, row in counties.iterrows():
        lon, lat = interior_point(row["geometry"], window)
        name = str(row["name_zh"] if lang == "zh" else row["name_en"])
        labels.append(Label(str(code), name, lon, lat, PRIORITY_COUNTY, COUNTY_LABEL_ZOOM, MAX_ZOOM, "county"))
        labels += [Label(f"{code}~{n}", name, x, y, PRIORITY_COUNTY - 1, COUNTY_ANCHOR_ZOOM, MAX_ZOOM, "county",
                         group=str(code)) for n, (x, y) in enumerate(cell_anchors(row["geometry"], (lon, lat)))]
    if TAIWAN_CODE in admin.index:
        labels += islet_labels(admin.at[TAIWAN_CODE, "geometry"], lang)
    return tuple(sort_for_placement(labels))


def cell_anchors(geom, primary: tuple[float, float]) -> list[tuple[float, float]]:
    """Further anchors for a large area's name: one per ANCHOR_CELL_DEG cell it fills a fair share of,
    the cell of its main anchor left out (ordered west to east, south to north)."""
    x0, y0, x1, y1 = (math.floor(v / ANCHOR_CELL_DEG) for v in geom.bounds)
    own = tuple(math.floor(v / ANCHOR_CELL_DEG) for v in primary)
    out = []
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            if (x, y) == own:
                continue
            cell = shapely.box(x * ANCHOR_CELL_DEG, y * ANCHOR_CELL_DEG, (x + 1) * ANCHOR_CELL_DEG,
                               (y + 1) * ANCHOR_CELL_DEG)
            part = geom.intersection(cell)
            if part.area >= ANCHOR_MIN_SHARE * cell.area:
                out.append(interior_point(part, None))
    return out


def islet_labels(taiwan, lang: str) -> list[Label]:
    """钓鱼岛 and 赤尾屿, each anchored on its own polygon in Taiwan's geometry; an islet the geometry
    does not contain (an altered data file) gets no label rather than a label in the sea."""
    parts = [p for p in getattr(taiwan, "geoms", [taiwan]) if p.geom_type == "Polygon"]
    labels = []
    for key, (zh, en, lon, lat, align) in ISLETS.items():
        ref = shapely.Point(lon, lat)
        near = [p for p in parts if p.distance(ref) <= ISLET_SEARCH_DEG]
        if not near:
            continue
        islet = max(near, key=lambda p: p.area)
        point = polylabel(islet, tolerance=1e-5)
        labels.append(Label(key, zh if lang == "zh" else en, round(point.x, 4), round(point.y, 4), PRIORITY_ISLAND,
                            MIN_ZOOM, MAX_ZOOM, "island", keep=True, align=align))
    return labels


def feature_labels(features: Any, lang: str, colours: Mapping[str, str] | None = None,
                   window: Box = REGION_WINDOW) -> list[Label]:
    """One label per mapped feature, by its short name (``short_zh``/``short_en`` when the data has one,
    else its full name), on the line's middle, the point, or the area's interior; sorted for placement.

    ``features`` is a GeoDataFrame indexed by feature id with ``name_*``, ``kind`` and ``geometry``;
    ``colours`` maps a kind to its text colour (the map's kind colours), optional.
    """
    labels = []
    for fid, row in features.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        text = _feature_name(row, lang)
        if not text:
            continue
        kind = str(row["kind"])
        align = "center"
        if geom.geom_type in ("LineString", "MultiLineString"):
            lon, lat = line_middle(geom, window)
            min_zoom = LINE_LABEL_ZOOM
        elif geom.geom_type in ("Point", "MultiPoint"):
            point = geom if geom.geom_type == "Point" else geom.geoms[0]
            lon, lat = point.x, point.y
            min_zoom = POINT_LABEL_ZOOM
            align = "left"  # beside the point's marker, not on it
        else:
            lon, lat = interior_point(geom, window)
            largest = max(getattr(geom, "geoms", [geom]), key=lambda part: part.area)  # the part the label is on
            min_zoom = min(POINT_LABEL_ZOOM, round(_zoom_for_width(largest, AREA_LABEL_PX), 2))
        labels.append(Label(str(fid), text, round(lon, 4), round(lat, 4),
                            PRIORITY_FEATURE.get(kind, PRIORITY_FEATURE_OTHER), min_zoom, MAX_ZOOM, "feature",
                            align=align, colour=(colours or {}).get(kind)))
    return sort_for_placement(labels)


def sort_for_placement(labels: Iterable[Label]) -> list[Label]:
    """Keep labels first, then by priority, high first; equal ones keep their order."""
    return sorted(labels, key=lambda lab: (not lab.keep, -lab.priority))


def _province_name(code: str, name: str, lang: str) -> str:
    if lang != "zh":
        return name.removesuffix(" Province")
    if code == TAIWAN_CODE:
        return name
    for suffix in ("特别行政区", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def _unit_name(code: str, term: vocab.Term, lang: str) -> str:
    if lang != "zh":
        return term.en
    return "平潭" if code == vocab.PINGTAN_CODE else term.zh.removesuffix("市")


def _feature_name(row: Any, lang: str) -> str:
    suffix = "zh" if lang == "zh" else "en"
    for column in (f"short_{suffix}", f"name_{suffix}"):
        value = row.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


# ---------------------------------------------------------------- where


def interior_point(geom, window: Box | None = REGION_WINDOW) -> tuple[float, float]:
    """Where a name sits best in the largest part inside ``window``: its centroid when that lies well
    inside, else the pole of inaccessibility (the interior point farthest from the edges; a centroid can
    fall in a bay or on a neighbour, and the pole of a long shape drifts to one end)."""
    if window is not None:
        clipped = geom.intersection(shapely.box(*window))
        geom = clipped if not clipped.is_empty else geom
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    if not parts:
        point = geom.representative_point()
        return round(point.x, 4), round(point.y, 4)
    largest = max(parts, key=lambda p: p.area)
    minx, miny, maxx, maxy = largest.bounds
    point = polylabel(largest, tolerance=max(maxx - minx, maxy - miny, 1e-3) / 200)
    centroid = largest.centroid
    if largest.contains(centroid) and \
            centroid.distance(largest.exterior) >= CENTROID_SLACK * point.distance(largest.exterior):
        point = centroid
    return round(point.x, 4), round(point.y, 4)


def line_middle(geom, window: Box | None = REGION_WINDOW) -> tuple[float, float]:
    """The middle of the longest piece of the line inside ``window`` (the whole line when none is)."""
    if window is not None:
        clipped = geom.intersection(shapely.box(*window))
        geom = clipped if not clipped.is_empty else geom
    pieces = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "LineString"]
    longest = max(pieces, key=lambda g: g.length) if pieces else geom
    point = longest.interpolate(0.5, normalized=True) if longest.geom_type == "LineString" else \
        longest.representative_point()
    return point.x, point.y


def _zoom_for_width(geom, pixels: float) -> float:
    """The Leaflet zoom at which the geometry's bounding box spans ``pixels`` (its wider side)."""
    minx, miny, maxx, maxy = geom.bounds
    span = max(maxx - minx, (maxy - miny) / max(math.cos(math.radians((miny + maxy) / 2)), 0.1), 1e-6)
    return math.log2(pixels * 360 / (256 * span))


# ---------------------------------------------------------------- collisions (static rendering)


def label_box(label: Label, x: float, y: float, width: float, height: float) -> Box:
    """The pixel box the label's text takes when its point projects to (x, y)."""
    if label.align == "left":
        x0 = x + ALIGN_GAP_PX
    elif label.align == "right":
        x0 = x - ALIGN_GAP_PX - width
    else:
        x0 = x - width / 2
    return x0, y - height / 2, x0 + width, y + height / 2


def boxes_overlap(a: Box, b: Box, pad: float = 0.0) -> bool:
    ax0, ay0, ax1, ay1 = _normalised(a)
    bx0, by0, bx1, by1 = _normalised(b)
    return ax0 - pad < bx1 and bx0 - pad < ax1 and ay0 - pad < by1 and by0 - pad < ay1


def _normalised(box: Box) -> Box:
    x0, y0, x1, y1 = box
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def place(labels: Sequence[Label], project: Callable[[float, float], tuple[float, float]],
          measure: Callable[[Label], tuple[float, float]], blocked: Sequence[Box] = (),
          frame: Box | None = None, pad: float = COLLISION_PAD_PX) -> list[Label]:
    """Greedy placement: keep labels first, then by priority; a label whose box (padded by ``pad``)
    meets a placed label or a ``blocked`` box is dropped. Keep labels are placed regardless.

    ``project`` maps lon/lat to pixels, ``measure`` gives a label's (width, height) in pixels;
    ``frame``, when given, is the drawing area: a label not wholly inside it is dropped (a keep label
    only when its point is outside). Returns the placed labels, in placement order.
    """
    placed: list[Label] = []
    boxes: list[Box] = []
    named: set[str] = set()
    for label in sort_for_placement(labels):
        if label.name_of in named:  # another anchor of this name is placed
            continue
        x, y = project(label.lon, label.lat)
        box = label_box(label, x, y, *measure(label))
        if frame is not None and not _inside(box if not label.keep else (x, y, x, y), frame):
            continue
        if not label.keep and any(boxes_overlap(box, other, pad) for other in (*boxes, *blocked)):
            continue
        placed.append(label)
        boxes.append(box)
        named.add(label.name_of)
    return placed


def _inside(box: Box, frame: Box) -> bool:
    x0, y0, x1, y1 = _normalised(box)
    fx0, fy0, fx1, fy1 = _normalised(frame)
    return fx0 <= x0 and x1 <= fx1 and fy0 <= y0 and y1 <= fy1


# ---------------------------------------------------------------- matplotlib (the PNG export)

#: Text colours and weights by kind, shared by the PNG export (the interactive layer's CSS matches them).
KIND_TEXT_COLOUR = {"province": "#5f5f5f", "sar": "#5f5f5f", "city": "#4e342e", "county": "#5d4037",
                    "island": "#37474f", "feature": "#263238"}
KIND_FONT_WEIGHT = {"province": "bold", "sar": "bold", "city": "bold", "county": "normal", "island": "normal",
                    "feature": "normal"}
HALO_WIDTH = 3
HALO_COLOUR = "white"


def static_zoom(ax: Axes, text_scale: float = 1.0) -> float:
    """The Leaflet zoom whose scale matches the axes (pixels per degree of longitude), less one level per
    doubling of ``text_scale`` (the PNG's label size over the web's): labels then crowd a slide no more
    than they crowd the interactive map."""
    ax.apply_aspect()  # a fixed aspect changes the limits only at draw time; settle them first
    x0, x1 = ax.get_xlim()
    width_px = ax.get_window_extent().width
    return math.log2(width_px / abs(x1 - x0) * 360 / 256) - math.log2(max(text_scale, 1e-6))


def place_on_axes(ax: Axes, labels: Sequence[Label], fontproperties: FontProperties,
                  fontsize_by_kind: Mapping[str, float], blocked: Iterable[Any] = (),
                  zoom: float | None = None) -> list[Text]:
    """Draw the labels shown at ``zoom`` (default: ``static_zoom(ax)``) that fit without collisions, with
    a white halo; returns the drawn Text artists (in placement order).

    ``blocked`` holds the figure's furniture that labels must not cover: artists (legend, inset axes,
    title texts) or display-pixel boxes (x0, y0, x1, y1). Draws on the axes' figure, which needs a canvas.
    """
    from matplotlib import patheffects
    from matplotlib.transforms import offset_copy

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()  # project with the limits the figure will be drawn with
    zoom = static_zoom(ax) if zoom is None else zoom
    shown = [lab for lab in labels if lab.shown_at(zoom)]
    halo = [patheffects.withStroke(linewidth=HALO_WIDTH, foreground=HALO_COLOUR)]
    ha = {"center": "center", "left": "left", "right": "right"}
    shift = {"center": 0, "left": ALIGN_GAP_PX, "right": -ALIGN_GAP_PX}
    artists: dict[str, Text] = {}
    for label in shown:
        props = fontproperties.copy()
        props.set_size(fontsize_by_kind.get(label.kind, 11))
        props.set_weight(KIND_FONT_WEIGHT.get(label.kind, "normal"))
        transform = offset_copy(ax.transData, fig=fig, x=shift[label.align], y=0, units="dots")
        artists[label.key] = ax.text(label.lon, label.lat, label.text, fontproperties=props, ha=ha[label.align],
                                     va="center", color=label.colour or KIND_TEXT_COLOUR.get(label.kind, "#424242"),
                                     path_effects=halo, zorder=8, transform=transform, clip_on=True)

    def measure(label: Label) -> tuple[float, float]:
        extent = artists[label.key].get_window_extent(renderer)
        return extent.width, extent.height

    def project(lon: float, lat: float) -> tuple[float, float]:
        x, y = ax.transData.transform((lon, lat))
        return float(x), float(y)

    blocked_boxes = [_display_box(item, renderer) for item in blocked]
    frame = ax.get_window_extent(renderer)
    placed = place(shown, project, measure, blocked_boxes, (frame.x0, frame.y0, frame.x1, frame.y1))
    kept = {lab.key for lab in placed}
    for key, artist in artists.items():
        if key not in kept:
            artist.remove()
    for label in placed:
        if label.kind == "island":  # the islet is a speck at this scale: a dot shows what the name is for
            ax.plot([label.lon], [label.lat], marker="o", markersize=3, color=KIND_TEXT_COLOUR["island"],
                    linestyle="none", zorder=8)
    return [artists[lab.key] for lab in placed]


def _display_box(item: Any, renderer: Any) -> Box:
    if isinstance(item, tuple):
        return item
    extent = item.get_window_extent(renderer)
    return extent.x0, extent.y0, extent.x1, extent.y1


#: Scale bar lengths to choose from, in km.
SCALE_STEPS_KM = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
KM_PER_DEGREE = 111.32  # one degree of longitude at the equator (and about one of latitude)


def scale_bar_km(ax: Axes, lat: float, fraction: float = 1 / 6) -> tuple[float, float]:
    """(km per pixel at latitude ``lat``, the round bar length in km closest to ``fraction`` of the axes
    width); the length is 1, 2 or 5 times a power of ten."""
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    width_px = ax.get_window_extent().width
    km_per_px = abs(x1 - x0) * KM_PER_DEGREE * math.cos(math.radians(lat)) / width_px
    target = width_px * fraction * km_per_px
    return km_per_px, min(SCALE_STEPS_KM, key=lambda km: abs(math.log(km / target)))


def draw_scale_bar(ax: Axes, lat: float, anchor: tuple[float, float] = (0.02, 0.03),
                   fontproperties: FontProperties | None = None, fontsize: float = 11) -> float:
    """A metric scale bar (ticked line with "<n> km" above it) whose left end is at ``anchor`` (axes
    fraction); true at latitude ``lat`` (a lon/lat map's scale changes with latitude). The unit is
    written "km" in both languages, as Leaflet's scale control writes it on the interactive map.
    Returns the bar's length in km."""
    from matplotlib import patheffects

    km_per_px, km = scale_bar_km(ax, lat)
    width_px = ax.get_window_extent().width
    length = km / km_per_px / width_px  # in axes fraction
    x, y = anchor
    tick = 0.008
    halo = [patheffects.withStroke(linewidth=HALO_WIDTH, foreground=HALO_COLOUR)]
    ax.plot([x, x, x + length, x + length], [y + tick, y, y, y + tick], transform=ax.transAxes, color="#212121",
            linewidth=1.6, solid_capstyle="butt", zorder=9, path_effects=halo, gid="scale-bar")
    ax.text(x + length / 2, y + tick, f"{km:g} km", transform=ax.transAxes, ha="center", va="bottom",
            fontproperties=fontproperties, fontsize=fontsize, color="#212121", zorder=9, path_effects=halo,
            gid="scale-bar-text")
    return float(km)
