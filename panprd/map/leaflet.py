"""The map spec (panprd.map.spec) drawn for the browser in two parts: the base map (folium: Leaflet's map,
the scale bar, the 示意图 notice, the slot of the 南海诸岛 inset, 天地图 tiles when asked for), the same for
every filter state of a language; and the view (`view_layers`): our own basemap's fills and edges, the
feature layers, the partner links, the lights, the names and the window, drawn by `ppView` (panprd/map/ppmap.js)
from the shapes and the inset in a static file (panprd.map.files). The base stays in the iframe; a filter
change sends a new view.

Every string from the data is HTML-escaped before it enters the map (tooltips, the properties the view
carries, legend, inset), and the view is written as JSON that cannot end a <script> element. Nothing
here loads anything from outside the app's server: the map's assets are local (panprd.assets) and the
basemap is drawn from our own polygons; 天地图 tiles are added only when asked for and a key is configured.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from dataclasses import dataclass

import folium
import folium.template

from panprd import ledger_view, vocab
from panprd.assets import DEFAULT_STATIC_URL, offline_map
from panprd.data import Dataset
from panprd.i18n import t
from panprd.map import files as mapdata
from panprd.map import labels
from panprd.map import spec as mapspec
from panprd.map.label_layer import LabelLayer, MetricScale, script_json
from panprd.map.spec import MapSpec

TIANDITU_URL = "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" \
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
DEFAULT_HEIGHT = 620
SELECTED_COLOUR = "#ff6f00"  # the outline of a chosen area or Fujian unit

# folium writes each layer's GeoJSON with Jinja's `tojson`; without the spaces json.dumps puts after
# every comma and colon the overview map is ~10% smaller. This is the environment all folium templates share.
folium.template.Template("").environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


class _Styles:
    """The distinct style dicts of a view, each sent once and referred to by its index."""

    def __init__(self) -> None:
        self.table: list[dict] = []
        self._index: dict[str, int] = {}

    def ref(self, style: dict) -> int:
        key = json.dumps(style, sort_keys=True)
        if key not in self._index:
            self._index[key] = len(self.table)
            self.table.append(style)
        return self._index[key]


def _part(part_id: str, features: list[list], *, tooltip: str | None = None, highlight: dict | None = None,
          interactive: bool = True, point: dict | None = None) -> dict:
    """One GeoJSON layer of a view: features as [shape key or inline packed geometry, style index, properties]
    (properties already escaped: the tooltip `tip` is shown as HTML)."""
    part: dict = {"id": part_id, "features": features}
    if tooltip:
        part["tooltip"] = tooltip
    if highlight:
        part["highlight"] = highlight
    if not interactive:
        part["interactive"] = False
    if point:
        part["point"] = point
    return part


@functools.lru_cache(maxsize=8)
def _admin_names(geo, lang: str) -> dict[str, str]:
    """The escaped names of the provinces and units, once per loaded geodata (a Geo hashes by identity)."""
    return {code: escape(name) for code, name in geo.admin["name_zh" if lang == "zh" else "name_en"].items()}


def _admin_props(ds: Dataset, code: str, lang: str, extra: str = "") -> dict[str, str]:
    return {"id": escape(code), "tip": _admin_names(ds.geo, lang)[code] + escape(extra), "layer": "admin"}


def _basemap(ds: Dataset, spec: MapSpec, styles: _Styles) -> list[dict]:
    """Provinces in grey (partners tinted), Fujian's ten units highlighted or shaded by count, the maritime
    line; and in a close-up the units at the geodata's resolution with their counties."""
    counted = (lambda c: f" · {spec.unit_counts[c]} {t('actions', spec.lang)}") if spec.choropleth else (lambda c: "")

    def suffix(code: str) -> str:
        lit = spec.unit_lights.get(code) if spec.lights else None
        return counted(code) + (f" · {mapspec.light_tip(lit, spec.lang)}" if lit else "")

    def province_style(code: str) -> dict:
        if code in spec.partners:  # a thick edge too, so that Hong Kong and Macao show at region zoom
            return {"fillColor": spec.province_fill[code], "color": mapspec.PARTNER_EDGE, "weight": 2.5,
                    "fillOpacity": 1}
        return {"fillColor": spec.province_fill[code], "color": mapspec.PROVINCE_EDGE, "weight": 0.8, "fillOpacity": 1}

    def unit_style(code: str) -> dict:
        if code in spec.selected:
            return {"fillColor": spec.unit_fill[code], "color": SELECTED_COLOUR, "weight": 4, "fillOpacity": 1}
        return {"fillColor": spec.unit_fill[code], "color": mapspec.UNIT_EDGE, "weight": 1.2, "fillOpacity": 1}

    maritime_style = styles.ref({"color": mapspec.MARITIME_COLOUR, "weight": 1.5, "dashArray": "6 4"})
    parts = [
        _part("provinces", [[mapdata.admin_key(c), styles.ref(province_style(c)), _admin_props(ds, c, spec.lang)]
                            for c in spec.province_fill], tooltip="plain", highlight={"weight": 2}),
        _part("units", [[mapdata.admin_key(c), styles.ref(unit_style(c)), _admin_props(ds, c, spec.lang, suffix(c))]
                        for c in spec.unit_fill], tooltip="sticky", highlight={"weight": 3}),
        _part("maritime", [[mapdata.maritime_key(n), maritime_style, {"id": "maritime"}]
                           for n in range(len(ds.geo.maritime))], interactive=False),
    ]
    return parts


def _feature_part(spec: MapSpec, layer: str, styles: _Styles) -> dict:
    features = spec.features[spec.features["layer"] == layer]

    def style(fid: str, kind: str, is_area: bool) -> dict:
        """The kind's style; a chosen feature drawn twice as heavy and the others dimmed beside it."""
        kind_style = spec.style(kind)
        if is_area and spec.choropleth:  # outlines only, so the choropleth underneath stays readable
            out = {"color": kind_style.colour, "weight": 1.5, "dashArray": "5 4", "fillOpacity": 0, "opacity": 0.9}
        else:
            out = {"color": kind_style.colour, "weight": kind_style.weight, "dashArray": kind_style.dash,
                   "fillColor": kind_style.colour, "fillOpacity": kind_style.fill_opacity if is_area else 0.85,
                   "opacity": 0.95}
        if fid in spec.selected:
            return {**out, "weight": out["weight"] * 2 + 2, "opacity": 1, "color": SELECTED_COLOUR
                    if is_area else out["color"], "className": "pp-selected"}
        if spec.selected:
            return {**out, "opacity": 0.35, "fillOpacity": out.get("fillOpacity", 0) * 0.5}
        return out

    rows = []
    for fid, row in features.iterrows():
        name = row["name_zh"] if spec.lang == "zh" else row["name_en"]
        kind = vocab.FEATURE_KINDS[row["kind"]].label(spec.lang)
        is_area = row["geometry"].geom_type in ("Polygon", "MultiPolygon")
        rows.append([mapdata.feature_key(fid), styles.ref(style(fid, row["kind"], is_area)),
                     {"id": escape(fid), "tip": f"{escape(name)} · {escape(kind)}", "kind": escape(row["kind"]),
                      "layer": escape(layer)}])
    return _part(layer, rows, tooltip="sticky", highlight={"weight": 6, "fillOpacity": 0.35},
                 point={"radius": 8, "weight": 2, "fill": True})


def _lights_parts(ds: Dataset, spec: MapSpec, styles: _Styles) -> list[dict]:
    """The traffic lights (mapspec's docstring): a ring inside each Fujian unit the actions name, a dot on
    each drawn feature with the light's shape beside it, each in the worst light of its actions; an overlay
    the layer control can hide."""
    colours = ledger_view.LIGHT_COLOURS
    rings = mapspec.unit_rings(ds.geo)
    parts = []
    codes = [c for c in spec.unit_lights if c in rings.index]
    if codes:
        parts.append(_part("unit_lights", [
            [mapdata.ring_key(c), styles.ref({
                "color": colours.get(spec.unit_lights[c].light, colours["grey"]),
                "weight": 2 if spec.unit_lights[c].light == "grey" else 3.5, "opacity": 0.95, "fill": False,
                "className": "pp-light-ring"}), {"id": escape(c), "light": escape(spec.unit_lights[c].light)}]
            for c in codes], interactive=False))
    _, display = mapspec.display_geometries(ds.geo)
    fids = [f for f in spec.features.index if f in spec.feature_lights and f in display.index]
    if fids:
        rows = []
        for fid in fids:
            row = spec.features.loc[fid]
            name = row["name_zh"] if spec.lang == "zh" else row["name_en"]
            lit = spec.feature_lights[fid]
            rows.append([mapdata.packed(mapspec.light_anchor(display[fid])), styles.ref({
                "fillColor": colours.get(lit.light, colours["grey"]), "color": "#ffffff", "weight": 2,
                "fillOpacity": 1, "opacity": 1, "radius": 4 if lit.light == "grey" else 7,
                "className": "pp-light-dot"}),
                {"id": escape(fid), "light": escape(lit.light), "mark": ledger_view.LIGHT_SYMBOLS[lit.light],
                 "tip": f"{escape(name)} · {escape(mapspec.light_tip(lit, spec.lang))}"}])
        part = _part("feature_lights", rows, tooltip="sticky", point={"radius": 6, "weight": 2, "fill": True})
        part["marks"] = True  # each dot's shape beside it (ppmap.js): a light never told by colour alone
        parts.append(part)
    return parts


def _partner_links(spec: MapSpec, styles: _Styles) -> dict:
    style = styles.ref({"color": mapspec.LINK_COLOUR, "weight": 2, "dashArray": "4 6", "opacity": 0.9})
    return {"id": "partner_links", "style": style, "lines": [
        [round(link.start[1], 4), round(link.start[0], 4), round(link.end[1], 4), round(link.end[0], 4),
         escape(vocab.PARTNERS[link.partner].label(spec.lang))] for link in spec.links]}


def view_layers(ds: Dataset, spec: MapSpec, labelled: bool = True) -> dict:
    """What ppmap.js's `ppView` draws for a spec: the basemap's styles, the feature layers, the partner links,
    the lights, the names, the window. Shapes are referred to by their key in the static shapes file."""
    styles = _Styles()
    layers = [{"name": None, "parts": _basemap(ds, spec, styles)}]
    for layer in vocab.LAYERS:
        if (spec.features["layer"] == layer).any():
            layers.append({"name": t(f"layer_{layer}", spec.lang), "parts": [_feature_part(spec, layer, styles)]})
    if spec.links:
        layers.append({"name": t("layer_partner_links", spec.lang), "parts": [_partner_links(spec, styles)]})
    if spec.lights and (spec.unit_lights or spec.feature_lights):
        layers.append({"name": t("layer_lights", spec.lang), "parts": _lights_parts(ds, spec, styles)})
    minx, miny, maxx, maxy = spec.window
    view: dict = {"styles": styles.table, "layers": layers, "bounds": [[miny, minx], [maxy, maxx]]}
    if labelled:
        label_layer = LabelLayer(map_labels(ds, spec))
        view["labels"] = {"rows": label_layer.rows(), "blocked": label_layer.blocked}
    body = script_json(view)
    view["id"] = hashlib.sha256(body.encode()).hexdigest()[:12]
    return view


def view_script(view: dict, map_name: str = "map_div") -> str:
    """The call that draws a view in the map's iframe (what st_folium's `feature_group` argument carries)."""
    return f"ppView({map_name},{script_json(view)});"


class _TileRegistry(folium.MacroElement):
    """Names the 天地图 tile layers of the base map for ppView's layer control (window.ppTiles)."""

    _template = folium.template.Template(
        "{% macro script(this, kwargs) %}window.ppTiles=["
        "{% for name, layer in this.tiles %}[{{ name|tojson }},{{ layer.get_name() }}],{% endfor %}];"
        "{% endmacro %}")

    def __init__(self, tiles: list[tuple[str, folium.TileLayer]]):
        super().__init__()
        self.tiles = tiles


class _Scripts(folium.MacroElement):
    """The renderer and the shapes as the iframe's scripts: files in the static folder (what the app sends),
    or written into the page (`map_payload`, a self-contained map for tests and the benchmark)."""

    _template = folium.template.Template("{% macro script(this, kwargs) %}{{ this.inline }}{% endmacro %}")

    def __init__(self, ds: Dataset, files: mapdata.Files | None, static_url: str = DEFAULT_STATIC_URL):
        super().__init__()
        self.inline = "" if files else mapdata.renderer_js() + mapdata.shapes_js(ds)
        self.default_js = [] if files is None else [
            ("ppmap", f"{static_url}/{files.renderer}"), ("ppshapes", f"{static_url}/{files.shapes}")]


def base_map(ds: Dataset, lang: str, tianditu_key: str | None = None, large: bool = False,
             files: mapdata.Files | None = None) -> folium.Map:
    """The part of every map that no filter changes: Leaflet's map, the scale bar, 天地图 tiles when asked
    for, the 示意图 notice, the slot of the 南海诸岛 inset, the scripts. `files` None: the scripts inline."""
    # The first view fits its own window (ppView). The base starts at the main window's centre: a fit here
    # would start an animated zoom from folium's world view, and Leaflet ignores a fit asked for during one.
    minx, miny, maxx, maxy = mapspec.MAIN_WINDOW
    fmap = offline_map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=5, zoom_snap=0.25,
                       attribution_control=False)
    _Scripts(ds, files).add_to(fmap)
    MetricScale().add_to(fmap)  # folium's own scale bar shows miles too
    fmap.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{mapspec.SEA_COLOUR}}}"
        ".leaflet-tooltip{font-size:14px}.leaflet-interactive:focus{outline:none}"
        ".pp-shape-mark{font:700 15px/14px sans-serif;text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 1px #000}</style>"))
    tiles = []
    if tianditu_key:
        for tile_layer in ("vec", "cva"):
            name = t(f"tianditu_{tile_layer}", lang)
            tiles.append((name, folium.TileLayer(TIANDITU_URL.format(layer=tile_layer, key=tianditu_key), attr="天地图",
                                                 name=name, subdomains="01234567", overlay=True, control=False)
                          .add_to(fmap)))
        _TileRegistry(tiles).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(notice_html(lang, large)))
    fmap.get_root().html.add_child(folium.Element(f'<div class="pp-inset-slot" data-lang="{escape(lang)}"></div>'))
    return fmap


@dataclass(frozen=True)
class DrawnMap:
    """A map as the browser gets it: the base (the same for every view of a language) and the view drawn on it."""

    base: folium.Map
    view: dict


def _swatch(entry: mapspec.LegendEntry) -> str:
    if entry.symbol:
        return (f'<span class="pp-swatch pp-light-symbol" aria-hidden="true" style="color:{entry.colour}">'
                f"{entry.symbol}</span>")
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
        "border:1px solid #9e9e9e}.pp-swatch.pp-light-symbol{border:0;width:18px;height:auto;text-align:center;"
        "text-shadow:0 0 1px #212121}.pp-credit{color:#616161;font-size:.85em}</style>"
        f'<details open class="pp-legend" role="region" aria-label="{escape(t("legend", spec.lang))}">'
        f'<summary class="pp-legend-title">{escape(t("legend", spec.lang))}</summary>{"".join(rows)}</details>'
    )


def notice_html(lang: str, large: bool = False) -> str:
    """The 示意图 notice, on the map itself: every map carries it."""
    return (f'<div class="pp-notice" role="note" style="position:absolute;z-index:800;left:54px;top:10px;'
            f"background:#fffffff0;padding:3px 8px;border-radius:4px;color:#b71c1c;font:700 {18 if large else 13}px "
            f"'Noto Sans CJK SC',sans-serif;box-shadow:0 1px 4px #0004\">{escape(t('schematic_notice', lang))}</div>")


def map_labels(ds: Dataset, spec: MapSpec) -> list[labels.Label]:
    """The names a view carries: provinces, 香港 and 澳门, Fujian's units, 钓鱼岛 and 赤尾屿, and the
    features drawn, each at the zoom where it is distinct (panprd.map.labels). The counties' names come
    with the finer levels (panprd.map.files.levels_js): a first visit at region zoom does not carry them."""
    table = _feature_labels(ds.geo, spec.lang)
    return [lab for lab in labels.admin_labels(ds, spec.lang) if lab.kind != "county"] + labels.sort_for_placement(
        table[fid] for fid in spec.features.index if fid in table)


@functools.lru_cache(maxsize=8)
def _feature_labels(geo, lang: str) -> dict[str, labels.Label]:
    """Every mapped feature's label by id, once per loaded geodata and language (placing one is a polylabel)."""
    colours = {kind: style.colour for kind, style in mapspec.KIND_STYLES.items()}
    mapped = geo.features[geo.features.geometry.notna()]
    return {label.key: label for label in labels.feature_labels(mapped, lang, colours)}


def draw(ds: Dataset, spec: MapSpec, tianditu_key: str | None = None, large: bool = False,
         labelled: bool = True) -> DrawnMap:
    """The interactive map of a spec, self-contained (scripts inline); `large` type for a projector;
    `labelled` False only to measure what the names cost."""
    return DrawnMap(base_map(ds, spec.lang, tianditu_key, large), view_layers(ds, spec, labelled))


def map_payload(drawn: DrawnMap) -> str:
    """The map's self-contained HTML, as the browser would have it (for size checks and tests)."""
    root = drawn.base.get_root().render()
    head, tail = root.rsplit("</html>", 1)  # after folium's own script, which makes the map
    return f"{head}<script>{view_script(drawn.view, drawn.base.get_name())}</script></html>{tail}"


def parts_of(drawn: DrawnMap) -> dict[str, dict]:
    """The view's GeoJSON layers by id ("provinces", "units", "maritime", "counties", a feature layer, "unit_lights",
    "feature_lights"; for tests)."""
    return {part["id"]: part for layer in drawn.view["layers"] for part in layer["parts"]}


def feature_ids_in(drawn: DrawnMap) -> set[str]:
    """Feature ids drawn on a map (for tests)."""
    return {html.unescape(props["id"]) for layer in vocab.LAYERS
            for _, _, props in parts_of(drawn).get(layer, {"features": []})["features"]}


def styles_of(drawn: DrawnMap, layer: str) -> dict[str, dict]:
    """The style each feature of a layer ("admin" for the provinces and units) is painted with, by id."""
    parts = ("provinces", "units") if layer == "admin" else (layer,)
    return {html.unescape(props["id"]): drawn.view["styles"][style]
            for part in parts for _, style, props in parts_of(drawn).get(part, {"features": []})["features"]}
