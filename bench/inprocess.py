"""Server-side cost measured in this process: filter + map build, and the component's argument building.

`st_folium(fmap)` renders the whole figure, renders the map again, and extracts the header, the
map HTML and the Leaflet script, then hashes the script for the component key; `folium_args`
repeats exactly those steps (streamlit-folium 0.27.4's private helpers) without a Streamlit run: the
naive map's cost per rerun, with folium's defaults (`bench.naive.folium_defaults`), as its own server
renders it. Ours sends a base map built once per language and, per view, the view's script
(panprd.mapview): its build is `mapspec.build` + `maps.view_layers`, its argument building `view_script`.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import folium
import streamlit_folium

from bench.naive import folium_defaults, naive_map
from panprd import data, filters
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec


def folium_args(fmap: folium.Map) -> int:
    """What st_folium does to a map before sending it; returns the script's length in characters."""
    fmap.get_root().render()
    fmap.render()
    streamlit_folium._get_html(fmap)
    streamlit_folium._get_header(fmap)
    script = streamlit_folium._get_map_string(fmap)
    streamlit_folium.generate_js_hash(script, "map_overview", False)
    return len(script)


def view_args(drawn: maps.DrawnMap) -> int:
    """What a rerun of ours turns into component arguments: the view's script; returns its length."""
    return len(maps.view_script(drawn.view))


def map_html_bytes(fmap: folium.Map | maps.DrawnMap) -> int:
    """The overview payload as the issue defines it: the rendered map HTML, UTF-8 bytes (ours self-contained:
    the renderer and every shape written into the page)."""
    html = maps.map_payload(fmap) if isinstance(fmap, maps.DrawnMap) else fmap.get_root().render()
    return len(html.encode("utf-8"))


def overview_map(ds: data.Dataset, current: filters.Filters) -> maps.DrawnMap:
    """The overview's map for a filter, as the page builds it."""
    return maps.draw(ds, mapspec.build(ds, filters.apply(ds.measures, current), "overview"))


def measure(root: Path, themes: list[str], runs: int, naive_runs: int) -> dict[str, dict[str, float]]:
    """Payload bytes (no filter) and median build/argument times over alternating filter states
    (`runs` for ours, the first `naive_runs` of them for the naive map, which is slow at scale)."""
    ds = data.load(root)
    states = [() if i % 2 == 0 else (themes[(i // 2) % len(themes)],) for i in range(runs)]
    ours: dict[str, list[float]] = {"build_ms": [], "args_ms": []}
    naive: dict[str, list[float]] = {"build_ms": [], "args_ms": []}
    for i, state in enumerate(states):
        start = time.perf_counter()
        drawn = overview_map(ds, filters.Filters(theme=state))
        built = time.perf_counter()
        view_args(drawn)
        ours["build_ms"].append((built - start) * 1000)
        ours["args_ms"].append((time.perf_counter() - built) * 1000)
        if i >= naive_runs:
            continue
        with folium_defaults():
            start = time.perf_counter()
            nmap = naive_map(root, state)
            built = time.perf_counter()
            folium_args(nmap)
        naive["build_ms"].append((built - start) * 1000)
        naive["args_ms"].append((time.perf_counter() - built) * 1000)
    ours_map = overview_map(ds, filters.Filters())
    result = {"ours": {k: statistics.median(v) for k, v in ours.items()},
              "naive": {k: statistics.median(v) for k, v in naive.items()}}
    result["ours"]["html_bytes"] = map_html_bytes(ours_map)
    with folium_defaults():
        result["naive"]["html_bytes"] = map_html_bytes(naive_map(root))
    return result
