"""Server-side cost measured in this process: filter + map build, and the component's argument building.

`st_folium(fmap)` renders the whole figure, renders the map again, and extracts the header, the
map HTML and the Leaflet script, then hashes the script for the component key; `folium_args`
repeats exactly those steps (streamlit-folium 0.27.4's private helpers) without a Streamlit run: the
naive map's cost per rerun, with folium's defaults (`bench.naive.folium_defaults`), as its own server
renders it. Ours sends a base map built once per language and, per view, the view's script
(panprd.mapview): its build is `mapspec.build` + `maps.view_layers`, its argument building `view_script`.
"""

from __future__ import annotations

import datetime
import statistics
import time
from dataclasses import replace
from pathlib import Path

import folium
import streamlit_folium

from bench.naive import folium_defaults, naive_map
from panprd import data, deck, filters, ledger_view, views, vocab
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


def deck_figures(root: Path, lang: str = "zh") -> dict[str, float]:
    """The meeting deck of the saved views (issue 21), as the app makes it: built on the worker of
    `deck.Builds` for one content key (cold: the first deck of this process, then another title: a second
    cold build with matplotlib warm), asked again for the same key (cached), its size; and, while a deck is
    built on the worker, the median time of the overview's filter + map build on this thread (what another
    session's rerun pays for sharing the interpreter) beside the same without a build."""
    ds = data.load(root)
    ds = replace(ds, measures=ledger_view.with_statuses(ds.measures, ledger_view.unread(ds.measures).states))
    saved = deck.read_saved(views.VIEWS_PATH.read_text(encoding="utf-8"))
    plan = deck.agenda(filters.ViewState(saved[0].page), saved)
    builds, day = deck.Builds(), datetime.date.today()

    def made(title: str) -> tuple[deck.Deck, float]:
        start = time.perf_counter()
        build = builds.start(title, lambda progress: deck.build(ds, plan, lang, title, day, "", progress))
        return build.future.result(), time.perf_counter() - start

    first, cold_s = made("cold")
    _, warm_s = made("second")
    _, cached_s = made("cold")
    themes = list(vocab.THEMES)

    def reruns(seconds: float) -> list[float]:
        out, end = [], time.perf_counter() + seconds
        while time.perf_counter() < end:
            start = time.perf_counter()
            overview_map(ds, filters.Filters(theme=(themes[len(out) % len(themes)],)))
            out.append((time.perf_counter() - start) * 1000)
        return out

    alone = statistics.median(reruns(3.0))
    building = builds.start("during", lambda progress: deck.build(ds, plan, lang, "during", day, "", progress))
    during = reruns(3.0)
    building.future.result()
    return {"cold_s": cold_s, "warm_s": warm_s, "cached_s": cached_s, "bytes": len(first.pptx),
            "slides": first.slides, "items": len(plan.items), "rerun_alone_ms": alone,
            "rerun_during_ms": statistics.median(during)}
