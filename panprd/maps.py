"""The map spec (panprd.mapspec) drawn with folium for the browser: our own basemap, the feature
layers, the partner links, the legend and the 南海诸岛 inset.

Every string from the data is HTML-escaped before it enters the map (tooltips, the GeoJSON
properties the page's script embeds, legend, inset), so a crafted name renders as text and cannot
close the <script> element folium writes the data into. Nothing here loads anything from outside
the app's server: the map's assets are local (panprd.assets) and the basemap is drawn from our
own polygons; 天地图 tiles are added only when asked for and a key is configured.
"""

from __future__ import annotations

import functools
import html
import json

import folium
import folium.template
import jinja2
import shapely

from panprd import labels, ledger_view, mapspec, vocab
from panprd.assets import offline_map
from panprd.data import Dataset
from panprd.i18n import t
from panprd.map_labels import LabelLayer, MetricScale
from panprd.mapspec import MapSpec

TIANDITU_URL = "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" \
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
DEFAULT_HEIGHT = 620
SELECTED_COLOUR = "#ff6f00"  # the outline of a chosen area or Fujian unit

# folium writes each layer's GeoJSON with Jinja's `tojson`; without the spaces json.dumps puts after
# every comma and colon the overview map is ~10% smaller. This is the environment all folium templates share.
folium.template.Template("").environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}


def _compiled_once(from_string):
    """Jinja's `from_string`, memoised by source: folium compiles a template per element it creates (the same
    few sources every build, a third of a map build's time); a compiled template is immutable."""
    cached = functools.lru_cache(maxsize=512)(lambda source, template_class: from_string(
        source, template_class=template_class))

    def compile_once(source, globals=None, template_class=None):  # noqa: A002 (jinja's own argument name)
        if globals or not isinstance(source, str):
            return from_string(source, globals, template_class)
        return cached(source, template_class)
    return compile_once


# folium's own templates, and branca's (an Element made from a string: the notice, the inset, tooltips).
for _jinja in {id(e): e for e in (folium.template.Template("").environment, jinja2.Template("").environment)}.values():
    _jinja.from_string = _compiled_once(_jinja.from_string)


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


# ----------------------------------------------------------------------------- packed coordinates
# The coordinates are most of a map's bytes. A layer's GeoJSON travels packed: every list of positions as
# one flat list of integer steps of 10^-COORD_DECIMALS degrees from the previous position (the display
# geometries are already rounded to that grid), which the browser unpacks (`UNPACK_JS`) before Leaflet
# reads it. The Python side keeps plain GeoJSON (`PackedCollection` is a dict), so folium's style and
# tooltip handling and our tests see the features as before.
PACK_SCALE = 10 ** mapspec.COORD_DECIMALS
UNPACK_JS = (
    "window.ppGeo=function(c){var S=" + str(PACK_SCALE) + ";"
    "function line(a){var o=[],x=0,y=0;for(var i=0;i<a.length;i+=2){x+=a[i];y+=a[i+1];o.push([x/S,y/S]);}return o;}"
    "var unpack={Point:function(a){return [a[0]/S,a[1]/S];},MultiPoint:line,LineString:line,"
    "MultiLineString:function(a){return a.map(line);},Polygon:function(a){return a.map(line);},"
    "MultiPolygon:function(a){return a.map(function(p){return p.map(line);});}};"
    "c.features.forEach(function(f){var g=f.geometry;g.coordinates=unpack[g.type](g.coordinates);});return c;};"
)


PACKABLE = frozenset({"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"})


class PackedCollection(dict):
    """A GeoJSON FeatureCollection that folium writes into the map's script packed (see UNPACK_JS)."""


def _steps(positions) -> list[int]:
    out: list[int] = []
    last_x = last_y = 0
    for x, y, *_ in positions:
        ix, iy = round(x * PACK_SCALE), round(y * PACK_SCALE)
        out += (ix - last_x, iy - last_y)
        last_x, last_y = ix, iy
    return out


def _packed_geometry(geometry: dict) -> dict:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        packed: list = [round(coords[0] * PACK_SCALE), round(coords[1] * PACK_SCALE)]
    elif kind in ("MultiPoint", "LineString"):
        packed = _steps(coords)
    elif kind in ("MultiLineString", "Polygon"):
        packed = [_steps(line) for line in coords]
    elif kind == "MultiPolygon":
        packed = [[_steps(ring) for ring in polygon] for polygon in coords]
    else:
        raise ValueError(f"cannot pack a {kind} geometry")
    return {"type": kind, "coordinates": packed}


def _dumps(value: object, **kwargs: object) -> str:
    """folium's `tojson`: a PackedCollection as a call of the browser's unpacker, anything else as JSON."""
    if isinstance(value, PackedCollection) and all(f["geometry"]["type"] in PACKABLE for f in value["features"]):
        packed = {**value, "features": [{**f, "geometry": _packed_geometry(f["geometry"])} for f in value["features"]]}
        return f"ppGeo({json.dumps(packed, **kwargs)})"
    return json.dumps(value, **kwargs)  # (a layer with a geometry collection travels as plain GeoJSON)


folium.template.Template("").environment.policies["json.dumps_function"] = _dumps


class Unpacker(folium.MacroElement):
    """Defines the browser's unpacker in the map's script, ahead of the layers that call it."""

    _template = folium.template.Template("{% macro script(this, kwargs) %}" + UNPACK_JS + "{% endmacro %}")


def _collection(geoms, properties: list[dict[str, str]]) -> PackedCollection:
    """A GeoJSON FeatureCollection of display geometries with already-escaped properties (sent packed)."""
    return PackedCollection({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom in zip(properties, geoms)
        ],
    })


def _admin_props(ds: Dataset, code: str, lang: str, extra: str = "") -> dict[str, str]:
    row = ds.geo.admin.loc[code]
    name = row["name_zh"] if lang == "zh" else row["name_en"]
    return {"id": escape(code), "tip": escape(name) + escape(extra), "layer": "admin"}


def _basemap(ds: Dataset, spec: MapSpec) -> list[folium.GeoJson]:
    """Provinces in grey (partners tinted), Fujian's ten units highlighted or shaded by count."""
    basemap, _ = mapspec.display_geometries(ds.geo)
    provinces = list(spec.province_fill)
    units = list(spec.unit_fill)
    province_fill = {escape(c): colour for c, colour in spec.province_fill.items()}
    unit_fill = {escape(c): colour for c, colour in spec.unit_fill.items()}
    counted = (lambda c: f" · {spec.unit_counts[c]} {t('actions', spec.lang)}") if spec.choropleth else (lambda c: "")

    def suffix(code: str) -> str:
        lit = spec.unit_lights.get(code) if spec.lights else None
        return counted(code) + (f" · {mapspec.light_tip(lit, spec.lang)}" if lit else "")

    emphasised = {escape(c) for c in spec.partners}

    def province_style(feature: dict) -> dict:
        code = feature["properties"]["id"]
        if code in emphasised:  # a thick edge too, so that Hong Kong and Macao show at region zoom
            return {"fillColor": province_fill[code], "color": mapspec.PARTNER_EDGE, "weight": 2.5, "fillOpacity": 1}
        return {"fillColor": province_fill[code], "color": mapspec.PROVINCE_EDGE, "weight": 0.8, "fillOpacity": 1}

    chosen = {escape(c) for c in spec.selected}

    def unit_style(feature: dict) -> dict:
        code = feature["properties"]["id"]
        if code in chosen:
            return {"fillColor": unit_fill[code], "color": SELECTED_COLOUR, "weight": 4, "fillOpacity": 1}
        return {"fillColor": unit_fill[code], "color": mapspec.UNIT_EDGE, "weight": 1.2, "fillOpacity": 1}

    maritime = ds.geo.maritime
    unit_geoms = basemap[units]
    if spec.detail:  # the units in a close-up's window at the geodata's resolution, the rest as they were
        window = shapely.box(*spec.window)
        unit_geoms = [ds.geo.admin.at[c, "geometry"] if basemap[c].intersects(window) else basemap[c] for c in units]
    return [
        folium.GeoJson(_collection(basemap[provinces], [_admin_props(ds, c, spec.lang) for c in provinces]),
                       name=t("layer_provinces", spec.lang), style_function=province_style, control=False,
                       tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=False),
                       highlight_function=lambda _: {"weight": 2}),
        folium.GeoJson(_collection(unit_geoms, [_admin_props(ds, c, spec.lang, suffix(c)) for c in units]),
                       name=t("layer_fujian_units", spec.lang), style_function=unit_style, control=False,
                       tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
                       highlight_function=lambda _: {"weight": 3}),
        folium.GeoJson(_collection(maritime.geometry, [{"id": "maritime"} for _ in range(len(maritime))]),
                       name="maritime", control=False, interactive=False,
                       style_function=lambda _: {"color": mapspec.MARITIME_COLOUR, "weight": 1.5,
                                                 "dashArray": "6 4"}),
    ]


def _feature_layer(ds: Dataset, spec: MapSpec, layer: str) -> folium.FeatureGroup:
    features = spec.features[spec.features["layer"] == layer]
    group = folium.FeatureGroup(name=t(f"layer_{layer}", spec.lang), show=True)
    props = []
    for fid, row in features.iterrows():
        name = row["name_zh"] if spec.lang == "zh" else row["name_en"]
        kind = vocab.FEATURE_KINDS[row["kind"]].label(spec.lang)
        props.append({"id": escape(fid), "tip": f"{escape(name)} · {escape(kind)}", "kind": escape(row["kind"]),
                      "layer": escape(layer)})
    _, display = mapspec.display_geometries(ds.geo)

    chosen = {escape(f) for f in spec.selected}

    def style(feature: dict) -> dict:
        """The kind's style; a chosen feature drawn twice as heavy and the others dimmed beside it."""
        kind_style = spec.style(feature["properties"]["kind"])
        is_area = feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        if is_area and spec.choropleth:  # outlines only, so the choropleth underneath stays readable
            out = {"color": kind_style.colour, "weight": 1.5, "dashArray": "5 4", "fillOpacity": 0, "opacity": 0.9}
        else:
            out = {"color": kind_style.colour, "weight": kind_style.weight, "dashArray": kind_style.dash,
                   "fillColor": kind_style.colour, "fillOpacity": kind_style.fill_opacity if is_area else 0.85,
                   "opacity": 0.95}
        if feature["properties"]["id"] in chosen:
            return {**out, "weight": out["weight"] * 2 + 2, "opacity": 1, "color": SELECTED_COLOUR
                    if is_area else out["color"], "className": "pp-selected"}
        if chosen:
            return {**out, "opacity": 0.35, "fillOpacity": out.get("fillOpacity", 0) * 0.5}
        return out

    folium.GeoJson(
        _collection(display[features.index], props),
        style_function=style,
        highlight_function=lambda _: {"weight": 6, "fillOpacity": 0.35},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        marker=folium.CircleMarker(radius=8, weight=2, fill=True),
    ).add_to(group)
    return group


def _lights_layer(ds: Dataset, spec: MapSpec) -> folium.FeatureGroup:
    """The traffic lights (mapspec's docstring): a ring inside each Fujian unit the actions name, a dot on
    each drawn feature, each in the worst light of its actions; an overlay the layer control can hide."""
    group = folium.FeatureGroup(name=t("layer_lights", spec.lang), show=True)
    colours = ledger_view.LIGHT_COLOURS
    rings = mapspec.unit_rings(ds.geo)
    codes = [c for c in spec.unit_lights if c in rings.index]
    if codes:
        folium.GeoJson(_collection(rings[codes], [{"id": escape(c), "light": escape(spec.unit_lights[c].light)}
                                                  for c in codes]),
                       name="unit_lights", control=False, interactive=False,
                       style_function=lambda f: {"color": colours.get(f["properties"]["light"], colours["grey"]),
                                                 "weight": 2 if f["properties"]["light"] == "grey" else 3.5,
                                                 "opacity": 0.95, "fill": False,
                                                 "className": "pp-light-ring"}).add_to(group)
    _, display = mapspec.display_geometries(ds.geo)
    fids = [f for f in spec.features.index if f in spec.feature_lights and f in display.index]
    if fids:
        props = []
        for fid in fids:
            row = spec.features.loc[fid]
            name = row["name_zh"] if spec.lang == "zh" else row["name_en"]
            lit = spec.feature_lights[fid]
            props.append({"id": escape(fid), "light": escape(lit.light),
                          "tip": f"{escape(name)} · {escape(mapspec.light_tip(lit, spec.lang))}"})
        folium.GeoJson(
            _collection([mapspec.light_anchor(display[f]) for f in fids], props), name="feature_lights",
            style_function=lambda f: {"fillColor": colours.get(f["properties"]["light"], colours["grey"]),
                                      "color": "#ffffff", "weight": 2, "fillOpacity": 1, "opacity": 1,
                                      "radius": 4 if f["properties"]["light"] == "grey" else 7,
                                      "className": "pp-light-dot"},
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
            marker=folium.CircleMarker(radius=6, weight=2, fill=True),
        ).add_to(group)
    return group


def _partner_links(spec: MapSpec) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=t("layer_partner_links", spec.lang), show=True)
    for link in spec.links:
        folium.PolyLine([link.start[::-1], link.end[::-1]], color=mapspec.LINK_COLOUR, weight=2, dash_array="4 6",
                        opacity=0.9, tooltip=escape(vocab.PARTNERS[link.partner].label(spec.lang))).add_to(group)
    return group


def _swatch(entry: mapspec.LegendEntry) -> str:
    if entry.shape == "fill":
        return f'<span class="pp-swatch" style="background:{entry.colour}"></span>'
    if entry.shape == "point":
        return (f'<span class="pp-swatch" style="border-radius:50%;width:10px;background:{entry.colour};'
                f'border-color:#fff"></span>')
    border = "dashed" if entry.dash else "solid"
    fill = f"{entry.colour}33" if entry.shape == "area" else "transparent"
    return (f'<span class="pp-swatch" style="border:0;border-bottom:{max(entry.weight, 3):g}px {border} '
            f'{entry.colour};background:{fill}"></span>')


def legend_html(spec: MapSpec, large: bool = False) -> str:
    """The legend, in our own HTML (branca colormaps would pull d3 from a public CDN), shown beside the map
    rather than on it so that it never covers Fujian; `large` for a projector (presenter mode)."""
    rows = []
    for entry in spec.legend:
        if entry.heading:
            rows.append(f'<div class="pp-legend-sub">{escape(entry.heading)}</div>')
        rows.append(f"<div>{_swatch(entry)}{escape(entry.label)}</div>")
    rows.append(f'<div class="pp-credit">{escape(t("map_credit", spec.lang).format(boundaries=spec.boundaries))}</div>')
    size, columns = (16, 2) if large else (13, 1)  # on a slide: larger type in two columns, to fit beside the map
    return (
        f"<style>.pp-legend{{background:#fafafa;padding:6px 10px;border-radius:6px;border:1px solid #e0e0e0;"
        f"font:{size}px/1.45 'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin-bottom:8px;columns:{columns}}}"
        ".pp-legend-title{font-weight:700;cursor:pointer}.pp-legend-sub{margin-top:4px;font-weight:600}"
        ".pp-swatch{display:inline-block;width:18px;height:10px;margin-right:6px;vertical-align:middle;"
        "border:1px solid #9e9e9e}.pp-credit{color:#616161;font-size:.85em}</style>"
        f'<details open class="pp-legend" role="region" aria-label="{escape(t("legend", spec.lang))}">'
        f'<summary class="pp-legend-title">{escape(t("legend", spec.lang))}</summary>{"".join(rows)}</details>'
    )


def notice_html(lang: str, large: bool = False) -> str:
    """The 示意图 notice, on the map itself: every map carries it."""
    return (f'<div class="pp-notice" role="note" style="position:absolute;z-index:800;left:54px;top:10px;'
            f"background:#fffffff0;padding:3px 8px;border-radius:4px;color:#b71c1c;font:700 {18 if large else 13}px "
            f"'Noto Sans CJK SC',sans-serif;box-shadow:0 1px 4px #0004\">{escape(t('schematic_notice', lang))}</div>")


def lines_of(geom) -> list[shapely.LineString]:
    """Every ring or line of a geometry, as line strings, for drawing paths."""
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [shapely.LineString(geom.exterior.coords), *(shapely.LineString(r.coords) for r in geom.interiors)]
    if geom.geom_type == "LineString":
        return [geom]
    if hasattr(geom, "geoms"):
        return [line for part in geom.geoms for line in lines_of(part)]
    return []


def south_china_sea_inset(ds: Dataset, lang: str, width: int = 130, height: int = 180) -> str:
    """The 南海诸岛 inset as inline SVG drawn from our own Hainan polygons and the maritime line (the same
    for every view in a language: drawn once per loaded data)."""
    return _inset(ds.geo, lang, width, height)


@functools.lru_cache(maxsize=8)
def _inset(geo, lang: str, width: int, height: int) -> str:
    box = mapspec.INSET_WINDOW
    sx = width / (box[2] - box[0])
    sy = height / (box[3] - box[1])

    def path(geom) -> str:
        parts = []
        for line in lines_of(geom):
            points = [(round((x - box[0]) * sx), round((box[3] - y) * sy)) for x, y in line.coords]
            points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
            parts.append("M" + "L".join(f"{x},{y}" for x, y in points))
        return "".join(parts)

    clip = shapely.box(*box)
    basemap, _ = mapspec.display_geometries(geo)
    land = shapely.intersection(basemap.values, clip)
    land_paths = "".join(f'<path d="{path(g)}Z" fill="{mapspec.LAND_COLOUR}" stroke="{mapspec.PROVINCE_EDGE}" '
                         'stroke-width="0.5"/>' for g in land if not g.is_empty)
    sea = [g for g in geo.maritime.geometry.intersection(clip) if not g.is_empty]
    sea_line = "".join(f'<path d="{path(g)}" fill="none" stroke="{mapspec.MARITIME_COLOUR}" stroke-width="1" '
                       'stroke-dasharray="3 2"/>' for g in sea)
    label = escape(t("inset_title", lang))
    return (
        f'<div class="pp-inset" style="position:absolute;z-index:800;right:10px;bottom:28px;'
        f'background:{mapspec.SEA_COLOUR};border:1px solid #607d8b;box-shadow:0 1px 4px #0004;padding:2px">'
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"{land_paths}{sea_line}</svg>"
        f'<div style="font:12px sans-serif;text-align:center">{label}</div></div>'
    )


def map_labels(ds: Dataset, spec: MapSpec) -> list[labels.Label]:
    """The names the map carries: provinces, 香港 and 澳门, Fujian's units, 钓鱼岛 and 赤尾屿, and the
    features drawn, each at the zoom where it is distinct (panprd.labels)."""
    colours = {kind: style.colour for kind, style in mapspec.KIND_STYLES.items()}
    return labels.admin_labels(ds, spec.lang) + labels.feature_labels(spec.features, spec.lang, colours)


def draw(ds: Dataset, spec: MapSpec, tianditu_key: str | None = None, large: bool = False,
         labelled: bool = True) -> folium.Map:
    """The interactive map of a spec; `large` type for a projector; `labelled` False only to measure
    what the names cost."""
    fmap = offline_map(zoom_snap=0.25, attribution_control=False)
    Unpacker().add_to(fmap)
    MetricScale().add_to(fmap)  # folium's own scale bar shows miles too
    fmap.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{mapspec.SEA_COLOUR}}}"
        ".leaflet-tooltip{font-size:14px}.leaflet-interactive:focus{outline:none}</style>"))
    for base in _basemap(ds, spec):
        base.add_to(fmap)
    if spec.detail:  # a close-up: the counties' borders, thin, under everything else that is drawn
        counties = mapspec.close_up_counties(ds, spec.window)
        folium.GeoJson(_collection(counties.values, [{"id": escape(c)} for c in counties.index]), name="counties",
                       control=False, interactive=False,
                       style_function=lambda _: {"color": mapspec.UNIT_EDGE, "weight": 0.6, "dashArray": "3 3",
                                                 "fill": False}).add_to(fmap)
    if tianditu_key:
        for tile_layer in ("vec", "cva"):
            folium.TileLayer(TIANDITU_URL.format(layer=tile_layer, key=tianditu_key),
                             attr="天地图", name=t(f"tianditu_{tile_layer}", spec.lang), subdomains="01234567",
                             overlay=True, control=True).add_to(fmap)
    for layer in vocab.LAYERS:
        if (spec.features["layer"] == layer).any():
            _feature_layer(ds, spec, layer).add_to(fmap)
    if spec.links:
        _partner_links(spec).add_to(fmap)
    has_lights = spec.lights and bool(spec.unit_lights or spec.feature_lights)
    if has_lights:
        _lights_layer(ds, spec).add_to(fmap)
    if labelled:
        LabelLayer(map_labels(ds, spec)).add_to(fmap)
    if len(spec.features) or spec.links or tianditu_key or has_lights:  # no empty layer box
        folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(notice_html(spec.lang, large)))
    fmap.get_root().html.add_child(folium.Element(south_china_sea_inset(ds, spec.lang)))
    minx, miny, maxx, maxy = spec.window
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


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
