"""A map page's map: the base map sent once per page and language, each view drawn in place.

The component is streamlit-folium's own (0.27.4's private `_component_func` and helpers, pinned in
pyproject.toml), fed as `st_folium(base, feature_group_to_add=…)` would feed it, with one difference: the
changing part is our view script (panprd.map.leaflet.view_script), not a rendered folium FeatureGroup. The
component's key is a hash of the base script, which no filter changes, so the browser keeps the iframe, the
map and the static shapes; a filter change sends the new view and the frontend evaluates it (ppView removes
the previous view's layers first). Both parts are built once per process: the base per (data version,
language, 天地图 key, projector size), the view per `viewcache.cache_key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import folium
import pandas as pd
import streamlit as st
import streamlit_folium

from panprd import assets, filters, viewcache
from panprd.data import Dataset
from panprd.map import files as mapdata
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec
from panprd.map import text as maptext

RETURNED = ["last_clicked"]


@dataclass(frozen=True)
class BuiltMap:
    """What a page shows of one view's map: the base map's component arguments, the view's script, the
    legend, whether the page's layer has nothing drawn, and the map in words."""

    args: Mapping[str, object]  # script, header, html, id, css_links, js_links, key (st_folium's hash)
    view_script: str
    view_id: str
    legend: str
    empty_layer: bool
    summary: str = ""  # the map in words, for screen readers (panprd.map.text)
    entries: tuple[maptext.Entry, ...] = ()  # every drawn feature and Fujian unit ("本图要素")


def component_args(fmap: folium.Map, key: str) -> dict[str, object]:
    """st_folium's extraction of a map (render, header, HTML, Leaflet script, links, hash), without the
    bounds (only needed when `bounds` is a returned object)."""
    fmap.get_root().render()
    fmap.render()
    html = streamlit_folium._get_html(fmap)
    header = streamlit_folium._get_header(fmap)
    script = streamlit_folium._get_map_string(fmap)
    css_links: list[str] = []
    js_links: list[str] = []
    for element in assets.elements(fmap):
        css_links.extend(href for _, href in getattr(element, "default_css", []))
        js_links.extend(src for _, src in getattr(element, "default_js", []))
    return {"script": script, "header": header, "html": html, "id": streamlit_folium.get_full_id(fmap),
            "css_links": list(dict.fromkeys(css_links)), "js_links": list(dict.fromkeys(js_links)),
            "key": streamlit_folium.generate_js_hash(script, key, False)}


def base_args(ds: Dataset, lang: str, tianditu_key: str | None, large: bool) -> dict[str, object]:
    """The base map's component arguments, built once per data version, language, 天地图 key and size."""
    return viewcache.BASES.get((ds.version, lang, tianditu_key, large), lambda: component_args(
        maps.base_map(ds, lang, tianditu_key, large, files=mapdata.publish(ds)), "pp-map"))


def build(ds: Dataset, measures: pd.DataFrame, view: viewcache.MapView) -> BuiltMap:
    """The map of one view, from scratch (what the cache keeps)."""
    spec = mapspec.build(ds, measures, view.page, view.lang, focus=view.focus, selected=view.selected,
                         show_lights=filters.lights_asked(view.filters))
    layers = maps.view_layers(ds, spec)
    return BuiltMap(base_args(ds, view.lang, view.tianditu_key, view.large), maps.view_script(layers),
                    layers["id"], maps.legend_html(spec, large=view.large), spec.features.empty,
                    maptext.summary(spec, view.filters.describe(view.lang)), maptext.entries(spec))


def cached(ds: Dataset, measures: pd.DataFrame, view: viewcache.MapView, ledger_version: str = "") -> BuiltMap:
    """The map of one view, built once per `viewcache.cache_key` in this process."""
    return viewcache.MAPS.get(viewcache.cache_key(view, ds, ledger_version), lambda: build(ds, measures, view))


def show(built: BuiltMap, key: str, height: int, returned: list[str] | None = None) -> None:
    """Send the map as st_folium would; a click lands in `st.session_state[key]` as before. The component's
    identity is the base script's hash and `key`, so the same page keeps its iframe from view to view."""
    returned = RETURNED if returned is None else returned
    hash_key = f"{key}-{built.args['key']}"

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    streamlit_folium._component_func(
        **{**built.args, "key": hash_key}, height=height, width=None, returned_objects=returned,
        default={name: None for name in returned}, zoom=None, center=None, feature_group=built.view_script,
        return_on_hover=False, layer_control=None, pixelated=False, on_change=on_change, wrap_longitude=False)
