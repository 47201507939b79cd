"""A map page's map, built once per view (panprd.viewcache) and sent as st_folium's component.

`st_folium(fmap)` renders the whole folium figure, renders the map again, extracts the header, HTML
and Leaflet script, walks every coordinate for the bounds and hashes the script, on every rerun of
every session. Here those steps run once per view: `build` keeps the component's arguments (and the
legend) and `show` sends them through streamlit-folium's own component (0.27.4's private
`_component_func` and helpers, pinned in pyproject.toml), with the same arguments st_folium would
send for `returned_objects=["last_clicked"]`, so the browser side is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import folium
import pandas as pd
import streamlit as st
import streamlit_folium

from panprd import filters, maps, mapspec, viewcache
from panprd.data import Dataset

RETURNED = ["last_clicked"]


@dataclass(frozen=True)
class BuiltMap:
    """What a page shows of one view's map: the component's arguments, the legend, and whether the
    page's layer has nothing drawn."""

    args: Mapping[str, object]  # script, header, html, id, css_links, js_links, key (st_folium's hash)
    legend: str
    empty_layer: bool


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
    for element in _walk(fmap):
        css_links.extend(href for _, href in getattr(element, "default_css", []))
        js_links.extend(src for _, src in getattr(element, "default_js", []))
    return {"script": script, "header": header, "html": html, "id": streamlit_folium.get_full_id(fmap),
            "css_links": list(dict.fromkeys(css_links)), "js_links": list(dict.fromkeys(js_links)),
            "key": streamlit_folium.generate_js_hash(script, key, False)}


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def build(ds: Dataset, measures: pd.DataFrame, view: viewcache.MapView) -> BuiltMap:
    """The map of one view, from scratch (what the cache keeps)."""
    spec = mapspec.build(ds, measures, view.page, view.lang, focus=view.focus, selected=view.selected,
                         show_lights=filters.lights_asked(view.filters))
    fmap = maps.draw(ds, spec, view.tianditu_key, large=view.large)
    return BuiltMap(component_args(fmap, f"map_{view.page}"), maps.legend_html(spec, large=view.large),
                    spec.features.empty)


def cached(ds: Dataset, measures: pd.DataFrame, view: viewcache.MapView, ledger_version: str = "") -> BuiltMap:
    """The map of one view, built once per `viewcache.cache_key` in this process."""
    return viewcache.MAPS.get(viewcache.cache_key(view, ds, ledger_version), lambda: build(ds, measures, view))


def show(built: BuiltMap, page: str, height: int) -> None:
    """Send the map as st_folium would; a click lands in `st.session_state["map_<page>"]` as before."""
    key = f"map_{page}"
    hash_key = str(built.args["key"])

    def on_change() -> None:
        st.session_state[key] = st.session_state.get(hash_key, {})

    streamlit_folium._component_func(
        **built.args, height=height, width=None, returned_objects=RETURNED, default={"last_clicked": None},
        zoom=None, center=None, feature_group=None, return_on_hover=False, layer_control=None, pixelated=False,
        on_change=on_change, wrap_longitude=False)
