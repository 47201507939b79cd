"""Folium maps built from the filtered data: our own basemap, the feature layers, legend and inset.

Every string from the data is HTML-escaped before it enters the map (tooltips, the GeoJSON
properties the page's script embeds, legend, inset), so a crafted name renders as text and cannot
close the <script> element folium writes the data into. Nothing here loads anything from outside
the app's server: the map's assets are local (panprd.assets) and the basemap is drawn from our
own polygons; 天地图 tiles are added only when asked for and a key is configured.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import folium
import folium.template
import geopandas as gpd
import pandas as pd
import shapely

from panprd import vocab
from panprd.assets import offline_map
from panprd.data import Dataset, Geo
from panprd.i18n import t

SEA_COLOUR = "#cfe2f3"
LAND_COLOUR = "#e4e4e4"
FUJIAN_COLOUR = "#fff1cc"
BORDER_COLOUR = "#ffffff"
PARTNER_COLOUR = "#d5e8c4"

# One style per feature kind: colour, line weight, dash pattern (None: solid).
KIND_STYLES: dict[str, tuple[str, int, str | None]] = {
    "railway": ("#7b1fa2", 4, None),
    "port": ("#0d47a1", 2, None),
    "airport": ("#00838f", 2, None),
    "grid_link": ("#e65100", 3, "8 6"),
    "pipeline": ("#6d4c41", 3, "2 6"),
    "data_centre": ("#283593", 2, None),
    "ict": ("#3949ab", 2, None),
    "zone": ("#c62828", 2, None),
    "bonded_zone": ("#ad1457", 2, None),
    "basin": ("#0277bd", 2, None),
    "park": ("#2e7d32", 2, None),
    "reserve_network": ("#00695c", 2, "4 4"),
}
# Five classes for the overview choropleth of actions per Fujian unit (light to dark).
CHOROPLETH_COLOURS: tuple[str, ...] = ("#fff1cc", "#fdd49e", "#fc8d59", "#e34a33", "#b30000")
PAGE_LAYERS: dict[str, str | None] = {
    "overview": None,
    "corridors": "corridor",
    "transfer_zones": "transfer_zone",
    "ecology": "ecology",
}
TIANDITU_URL = "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" \
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
# The map is drawn from a lighter copy of the layers: the basemap coverage (provinces and Fujian's
# ten units) simplified together at ~2 km so neighbours still touch (about 2 pixels at the zoom the
# Fujian pages open at), features simplified on their own, coordinates rounded to 0.001° (~100 m).
# Islets below MIN_PART_AREA (~0.1 km²) are left out of the drawing of the context provinces and the
# area features, never of Fujian, Taiwan (赤尾屿 is ~0.07 km²) or Hainan (the 南海诸岛).
DISPLAY_TOLERANCE = 0.02
COORD_DECIMALS = 3
MIN_PART_AREA = 1e-5
KEEP_EVERY_ISLET = frozenset({vocab.FUJIAN_CODE, *vocab.FUJIAN_UNITS, "710000", "460000"})
# Window the maps fit to: the mainland 9+2 region; the South China Sea islands are in the inset.
MAIN_WINDOW = (97.0, 17.5, 125.0, 31.0)


# folium writes each layer's GeoJSON with Jinja's `tojson`; without the spaces json.dumps puts after
# every comma and colon the overview map is ~10% smaller. This is the environment all folium templates share.
folium.template.Template("").environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}


@dataclass(frozen=True)
class MapView:
    """What one map shows: the page's layer, the filtered rows and the presentation choices."""

    page: str
    lang: str = "zh"
    choropleth: bool = False
    focus: str | None = None  # a feature id to zoom to
    tianditu_key: str | None = None
    height: int = 620


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def visible_features(ds: Dataset, measures: pd.DataFrame, layer: str | None) -> gpd.GeoDataFrame:
    """Mapped features that the filtered measures concern, on the page's layer."""
    wanted = {fid for fids in measures["features"] for fid in fids}
    features = ds.geo.features[ds.geo.features.index.isin(wanted)]
    if layer:
        features = features[features["layer"] == layer]
    return features[features.geometry.notna() & ~features.geometry.is_empty]


def unmapped_features(ds: Dataset, measures: pd.DataFrame, layer: str | None) -> gpd.GeoDataFrame:
    wanted = {fid for fids in measures["features"] for fid in fids}
    features = ds.geo.features[ds.geo.features.index.isin(wanted)]
    if layer:
        features = features[features["layer"] == layer]
    return features[features.geometry.isna() | features.geometry.is_empty]


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


def _class_colour(value: int, breaks: list[int]) -> str:
    if value <= 0 or not breaks:
        return CHOROPLETH_COLOURS[0]
    for i, upper in enumerate(breaks):
        if value <= upper:
            return CHOROPLETH_COLOURS[i + 1]
    return CHOROPLETH_COLOURS[-1]


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


def _collection(geoms, properties: list[dict[str, str]]) -> dict:
    """A GeoJSON FeatureCollection of display geometries with already-escaped properties."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom in zip(properties, geoms)
        ],
    }


def _admin_tip(row: pd.Series, lang: str, extra: str = "") -> dict[str, str]:
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    return {"id": escape(row["id"]), "tip": escape(name) + extra, "layer": "admin"}


def _basemap(ds: Dataset, view: MapView, counts: dict[str, int], partners: set[str]) -> list[folium.GeoJson]:
    """Provinces in grey (partners tinted), Fujian's ten units highlighted or shaded by count."""
    admin = ds.geo.admin
    basemap, _ = display_geometries(ds.geo)
    provinces = admin[(admin["level"] == "province") & (admin["id"] != vocab.FUJIAN_CODE)]
    province_props = [_admin_tip(r, view.lang) for _, r in provinces.iterrows()]
    province_fill = {escape(c): (PARTNER_COLOUR if c in partners else LAND_COLOUR) for c in provinces["id"]}
    units = admin.loc[list(vocab.FUJIAN_UNITS)]
    breaks = class_breaks(list(counts.values())) if view.choropleth else []
    unit_props = []
    unit_fill = {}
    for code, row in units.iterrows():
        suffix = f" · {counts.get(code, 0)} {t('actions', view.lang)}" if view.choropleth else ""
        unit_props.append(_admin_tip(row, view.lang, escape(suffix)))
        unit_fill[escape(code)] = _class_colour(counts.get(code, 0), breaks) if view.choropleth else FUJIAN_COLOUR

    def province_style(feature: dict) -> dict:
        return {"fillColor": province_fill.get(feature["properties"]["id"], LAND_COLOUR), "color": "#9e9e9e",
                "weight": 0.8, "fillOpacity": 1}

    def unit_style(feature: dict) -> dict:
        return {"fillColor": unit_fill[feature["properties"]["id"]], "color": "#8d6e63", "weight": 1.2,
                "fillOpacity": 1}

    tooltip = folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=False)
    layers = [
        folium.GeoJson(_collection(basemap[provinces.index], province_props), name=t("layer_provinces", view.lang),
                       style_function=province_style, tooltip=tooltip, control=False,
                       highlight_function=lambda _: {"weight": 2}),
        folium.GeoJson(_collection(basemap[units.index], unit_props), name=t("layer_fujian_units", view.lang),
                       style_function=unit_style, tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
                       control=False, highlight_function=lambda _: {"weight": 3}),
    ]
    maritime = ds.geo.maritime
    layers.append(folium.GeoJson(_collection(maritime.geometry, [{"id": "maritime"} for _ in range(len(maritime))]),
                                 name="maritime", control=False, interactive=False,
                                 style_function=lambda _: {"color": "#5c6bc0", "weight": 1.5, "dashArray": "6 4"}))
    return layers


def _feature_layer(ds: Dataset, features: gpd.GeoDataFrame, layer: str, view: MapView) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=t(f"layer_{layer}", view.lang), show=True)
    props = []
    for fid, row in features.iterrows():
        name = row["name_zh"] if view.lang == "zh" else row["name_en"]
        kind = vocab.FEATURE_KINDS[row["kind"]].label(view.lang)
        props.append({"id": escape(fid), "tip": f"{escape(name)} · {escape(kind)}", "kind": escape(row["kind"]),
                      "layer": escape(layer)})
    _, display = display_geometries(ds.geo)
    collection = _collection(display[features.index], props)

    def style(feature: dict) -> dict:
        colour, weight, dash = KIND_STYLES.get(feature["properties"]["kind"], ("#424242", 2, None))
        is_area = feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        if is_area and view.choropleth:  # outlines only, so the choropleth underneath stays readable
            return {"color": colour, "weight": 1.5, "dashArray": "5 4", "fillOpacity": 0, "opacity": 0.9}
        return {"color": colour, "weight": weight, "dashArray": dash, "fillColor": colour,
                "fillOpacity": 0.18 if is_area else 0.85, "opacity": 0.95}

    folium.GeoJson(
        collection,
        style_function=style,
        highlight_function=lambda _: {"weight": 6, "fillOpacity": 0.35},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        marker=folium.CircleMarker(radius=8, weight=2, fill=True),
    ).add_to(group)
    return group


def _partner_links(ds: Dataset, features: gpd.GeoDataFrame, view: MapView) -> folium.FeatureGroup | None:
    """Dashed links from each feature to the partner provinces it names but does not reach itself."""
    admin = ds.geo.admin
    lines = []
    for _, row in features.iterrows():
        start = row.geometry.representative_point()
        for partner in row["partners"]:
            if partner in admin.index and not row.geometry.intersects(admin.at[partner, "geometry"]):
                end = admin.at[partner, "geometry"].representative_point()
                lines.append(((start.y, start.x), (end.y, end.x), partner))
    if not lines:
        return None
    group = folium.FeatureGroup(name=t("layer_partner_links", view.lang), show=True)
    for start, end, partner in lines:
        folium.PolyLine([start, end], color="#e65100", weight=2, dash_array="4 6", opacity=0.9,
                        tooltip=escape(vocab.PARTNERS[partner].label(view.lang))).add_to(group)
    return group


def legend_html(view: MapView, kinds: list[str], counts: dict[str, int]) -> str:
    """The legend, drawn in our own HTML (branca colormaps would pull d3 from a public CDN)."""
    lang = view.lang
    rows = []
    for kind in kinds:
        colour, weight, dash = KIND_STYLES[kind]
        border = "dashed" if dash else "solid"
        rows.append(f'<div><span class="pp-swatch" style="border-bottom:{max(weight, 3)}px {border} {colour};'
                    f'background:{colour}33"></span>{escape(vocab.FEATURE_KINDS[kind].label(lang))}</div>')
    if view.choropleth:
        breaks = class_breaks(list(counts.values()))
        lower = 1
        rows.append(f'<div class="pp-legend-sub">{escape(t("legend_choropleth", lang))}</div>')
        rows.append(f'<div><span class="pp-swatch" style="background:{CHOROPLETH_COLOURS[0]}"></span>0</div>')
        for colour, upper in zip(CHOROPLETH_COLOURS[1:], breaks):
            label = f"{lower}" if lower == upper else f"{lower}–{upper}"
            rows.append(f'<div><span class="pp-swatch" style="background:{colour}"></span>{label}</div>')
            lower = upper + 1
    else:
        rows.append(f'<div><span class="pp-swatch" style="background:{FUJIAN_COLOUR}"></span>'
                    f'{escape(t("legend_fujian", lang))}</div>')
    rows.append(f'<div><span class="pp-swatch" style="background:{PARTNER_COLOUR}"></span>'
                f'{escape(t("legend_partner", lang))}</div>')
    rows.append(f'<div><span class="pp-swatch" style="background:{LAND_COLOUR}"></span>'
                f'{escape(t("legend_province", lang))}</div>')
    rows.append(f'<div class="pp-credit">{escape(t("map_credit", lang))}</div>')
    return (
        "<style>.pp-legend{position:absolute;z-index:800;left:10px;bottom:64px;background:#fffffff0;"
        "padding:6px 10px;border-radius:6px;box-shadow:0 1px 4px #0004;font:12px/1.4 'Noto Sans CJK SC',"
        "'Microsoft YaHei',sans-serif;max-width:220px}.pp-legend-title{font-weight:700;cursor:pointer}"
        ".pp-legend-sub{margin-top:4px;font-weight:600}"
        ".pp-swatch{display:inline-block;width:18px;height:10px;margin-right:6px;vertical-align:middle;"
        "border:1px solid #9e9e9e}"
        ".pp-notice{position:absolute;z-index:800;left:54px;top:10px;background:#fffffff0;padding:3px 8px;"
        "border-radius:4px;color:#b71c1c;font:700 13px 'Noto Sans CJK SC',sans-serif;box-shadow:0 1px 4px #0004}"
        ".pp-credit{color:#616161;font-size:11px}</style>"
        f'<details open class="pp-legend" role="region" aria-label="{escape(t("legend", lang))}">'
        f'<summary class="pp-legend-title">{escape(t("legend", lang))}</summary>{"".join(rows)}</details>'
        f'<div class="pp-notice" role="note">{escape(t("schematic_notice", lang))}</div>'
    )


def south_china_sea_inset(ds: Dataset, lang: str, width: int = 130, height: int = 180) -> str:
    """The 南海诸岛 inset as inline SVG drawn from our own Hainan polygons and the maritime line."""
    box = (105.0, 2.5, 125.0, 25.0)  # lon/lat window of the inset
    sx = width / (box[2] - box[0])
    sy = height / (box[3] - box[1])

    def path(geom) -> str:
        parts = []
        for line in _lines(geom):
            points = [(round((x - box[0]) * sx), round((box[3] - y) * sy)) for x, y in line.coords]
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            parts.append("M" + "L".join(f"{x},{y}" for x, y in points))
        return "".join(parts)

    clip = shapely.box(*box)
    basemap, _ = display_geometries(ds.geo)
    land = shapely.intersection(basemap.values, clip)
    land_paths = "".join(f'<path d="{path(g)}Z" fill="{LAND_COLOUR}" stroke="#9e9e9e" stroke-width="0.5"/>'
                         for g in land if not g.is_empty)
    sea_line = "".join(f'<path d="{path(g)}" fill="none" stroke="#5c6bc0" stroke-width="1" stroke-dasharray="3 2"/>'
                       for g in ds.geo.maritime.geometry.intersection(clip) if not g.is_empty)
    label = escape(t("inset_title", lang))
    return (
        f'<div class="pp-inset" style="position:absolute;z-index:800;right:10px;bottom:28px;background:{SEA_COLOUR};'
        'border:1px solid #607d8b;box-shadow:0 1px 4px #0004;padding:2px">'
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"{land_paths}{sea_line}</svg>"
        f'<div style="font:12px sans-serif;text-align:center">{label}</div></div>'
    )


def _lines(geom) -> list[shapely.LineString]:
    """Every ring or line of a geometry, as line strings, for drawing SVG paths."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [shapely.LineString(geom.exterior.coords), *(shapely.LineString(r.coords) for r in geom.interiors)]
    if geom.geom_type == "LineString":
        return [geom]
    if hasattr(geom, "geoms"):
        return [line for part in geom.geoms for line in _lines(part)]
    return []


def build_map(ds: Dataset, measures: pd.DataFrame, view: MapView) -> folium.Map:
    """The interactive map of one page for the filtered measures."""
    layer = PAGE_LAYERS[view.page]
    features = visible_features(ds, measures, layer)
    counts = unit_counts(measures)
    partners = {p for ps in features["partners"] for p in ps}
    fmap = offline_map(control_scale=True, zoom_snap=0.25, attribution_control=False)
    fmap.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{SEA_COLOUR}}}"
        ".leaflet-tooltip{font-size:14px}.leaflet-interactive:focus{outline:none}</style>"))
    for base in _basemap(ds, view, counts, partners):
        base.add_to(fmap)
    if view.tianditu_key:
        for tile_layer in ("vec", "cva"):
            folium.TileLayer(TIANDITU_URL.format(layer=tile_layer, key=view.tianditu_key),
                             attr="天地图", name=t(f"tianditu_{tile_layer}", view.lang), subdomains="01234567",
                             overlay=True, control=True).add_to(fmap)
    for layer_key in vocab.LAYERS:
        subset = features[features["layer"] == layer_key]
        if len(subset):
            _feature_layer(ds, subset, layer_key, view).add_to(fmap)
    links = _partner_links(ds, features, view)
    if links is not None:
        links.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    kinds = [k for k in KIND_STYLES if k in set(features["kind"])]
    fmap.get_root().html.add_child(folium.Element(legend_html(view, kinds, counts)))
    fmap.get_root().html.add_child(folium.Element(south_china_sea_inset(ds, view.lang)))
    fmap.fit_bounds(_bounds(ds, features, view))
    return fmap


def _bounds(ds: Dataset, features: gpd.GeoDataFrame, view: MapView) -> list[list[float]]:
    """Fit the focused feature, or Fujian with the visible features (the whole 9+2 on the overview),
    within the mainland window: the South China Sea islands are shown by the inset."""
    if view.focus in features.index:
        geom = features.at[view.focus, "geometry"].buffer(0.15)
    elif view.focus in vocab.FUJIAN_UNITS:
        geom = ds.geo.admin.at[view.focus, "geometry"]
    else:
        geoms = [ds.geo.admin.at[vocab.FUJIAN_CODE, "geometry"], *features.geometry]
        if view.page == "overview":
            geoms += list(ds.geo.admin.loc[[p for p in vocab.PARTNERS if p in ds.geo.admin.index]].geometry)
        geom = shapely.union_all([shapely.envelope(g) for g in geoms]).intersection(shapely.box(*MAIN_WINDOW))
    minx, miny, maxx, maxy = geom.bounds
    return [[miny, minx], [maxy, maxx]]


def map_payload(fmap: folium.Map) -> str:
    """The map's self-contained HTML, as the browser receives it (for size checks and tests)."""
    return fmap.get_root().render()


def feature_ids_in(fmap: folium.Map) -> set[str]:
    """Feature ids drawn on a built map (for tests)."""
    ids: set[str] = set()
    for child in _walk(fmap):
        if isinstance(child, folium.GeoJson) and isinstance(child.data, dict):
            for feat in child.data.get("features", []):
                if feat["properties"].get("layer") in vocab.LAYERS:
                    ids.add(html.unescape(feat["properties"]["id"]))
    return ids


def _walk(element):
    yield element
    for child in element._children.values():
        yield from _walk(child)

