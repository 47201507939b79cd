"""Issue 20's figures: the map zoomed into a city, before (another checkout) and after (this one), in one run.

    .venv/bin/python -m bench.zoom --before /tmp/panprd-before-1a1031e   # `make zoom` exports that checkout

Measured in headless Chromium at 1400×900 (and Fuzhou's names at 1920×1080 too): for each of Fujian's ten
units, centred on it at zooms 8 to 12 (setView, then the level files in), the median on-screen length of
the admin outlines' segments in view (units, provinces, and the county borders at city zoom; "nan": none in
view, as inside Fuzhou before, which drew no county borders); at zoom 11 over Xiamen and Fuzhou the district
names shown; the bytes of the level files fetched to zoom into Xiamen with the + button; + pressed with the files in
hand (11 → 10 → 11), the time until the fine outlines are painted; the map files a first visit fetches.
Without a browser: the largest deviation of what each zoom draws from the finest level, in pixels.
Prints a markdown table and appends it to bench/results.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import shapely
from playwright.sync_api import Frame, Page, sync_playwright

from bench import browser as bench_browser
from bench import server
from panprd import data, vocab
from panprd.map import levels
from panprd.map import spec as mapspec

RESULTS_MD = Path(__file__).with_name("results.md")
ZOOMS = (8, 9, 10, 11, 12)
XIAMEN, FUZHOU = (24.62, 118.13), (26.1, 119.34)
DISTRICTS = {"xiamen": ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"),
             "fuzhou": ("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "闽侯县", "长乐区", "连江县")}
# The on-screen segments (px) of the admin outlines in view (the units' and provinces' shapes and the county
# borders drawn at city zoom; over Fuzhou at 1400 px only the latter are in view), every segment whose two
# ends are inside the map.
JS_SEGMENTS = """() => {
  const map = map_div, size = map.getSize(), out = [];
  const inside = p => p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y;
  const walk = rings => {
    if (!rings.length) return;
    if (rings[0] instanceof L.LatLng) {
      for (let i = 1; i < rings.length; i++) {
        const a = map.latLngToContainerPoint(rings[i - 1]), b = map.latLngToContainerPoint(rings[i]);
        if (inside(a) && inside(b)) out.push(a.distanceTo(b));
      }
    } else rings.forEach(walk);
  };
  map.eachLayer(l => {
    if (l.getLatLngs && (l.options.pane === 'ppCounties' || (l.feature && l.feature.properties
        && l.feature.properties.layer === 'admin'))) {
      walk(l.getLatLngs());
    }
  });
  return out;
}"""
JS_NAMES = """() => { const box = document.querySelector('.leaflet-container').getBoundingClientRect();
  return [...document.querySelectorAll('.pp-label')].filter(e => !e.classList.contains('pp-label-off')
    && !e.classList.contains('pp-label-hidden')).filter(e => { const r = e.getBoundingClientRect();
    return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom; })
    .map(e => e.textContent); }"""
JS_PENDING = "() => (document.querySelector('.leaflet-container').dataset.ppLevelPending || '0')"
# + pressed with the files in hand: milliseconds until the container says level 3 (applyLevels has swapped
# the outlines in, synchronously, on zoomend), polled with setTimeout (animation frames stall off screen).
JS_PAINT = """(levelled) => new Promise(done => { const c = document.querySelector('.leaflet-container');
  const t0 = performance.now(); document.querySelector('.leaflet-control-zoom-in').click();
  const poll = () => (!levelled || c.dataset.ppLevel === '3') && map_div.getZoom() === 11 && !map_div._animatingZoom
    ? done(performance.now() - t0) : setTimeout(poll, 5); poll(); })"""


def pixel_m(zoom: float, lat: float) -> float:
    return 40_075_016.7 * math.cos(math.radians(lat)) / (256 * 2 ** zoom)


def deviation_rows(ds: data.Dataset) -> list[tuple[int, str, float, float]]:
    """(zoom, what is drawn, largest deviation in m, in px at 25°N) after; the basemap before, at every zoom.
    The deviation of the basemap and of levels 1–2 is measured against level 3 (itself ≤ 22 m from the
    source, origin.json) over Fujian's ten units; level 3's is the build's figure."""
    basemap, _ = mapspec.display_geometries(ds.geo)
    drawn = levels.of(ds)
    finest = levels.unit_shapes(ds.geo, drawn[-1])
    units = list(vocab.FUJIAN_UNITS)

    def worst(shapes: list) -> float:
        ours = gpd.GeoSeries(shapes, crs=4326).to_crs(32650).values
        truth = gpd.GeoSeries([finest[u].outline for u in units], crs=4326).to_crs(32650).values
        return float(shapely.hausdorff_distance(ours, truth).max())

    coarse = worst([basemap[u] for u in units])
    by_level = {level.name: worst([levels.unit_shapes(ds.geo, level)[u].outline for u in units])
                for level in drawn[:-1]}
    by_level[drawn[-1].name] = float(levels.records(ds)[-1]["max_deviation_m"])
    rows = []
    for zoom in range(5, 13):
        level = levels.at_zoom(ds, zoom)
        after = by_level[level.name] if level else coarse
        rows.append((zoom, f"level {level.name}" if level else "basemap", coarse, after))
    return rows


def wait_map(page: Page) -> Frame:
    for _ in range(600):
        for frame in page.frames:
            try:
                if frame.evaluate("() => !!document.querySelector('.leaflet-container[data-pp-view]')"):
                    return frame
            except Exception:  # noqa: BLE001 (a frame still loading)
                pass
        time.sleep(0.1)
    raise RuntimeError("no map")


def settle(frame: Frame) -> None:
    frame.wait_for_timeout(900)  # ppmap.js fetches 600 ms after the last move
    for _ in range(200):
        if frame.evaluate(JS_PENDING) == "0":
            break
        frame.wait_for_timeout(50)
    frame.wait_for_timeout(300)


def at(frame: Frame, centre: tuple[float, float], zoom: float) -> None:
    frame.evaluate(f"() => map_div.setView([{centre[0]}, {centre[1]}], {zoom}, {{animate: false}})")
    settle(frame)


def press(frame: Frame, button: str, zoom: float) -> None:
    """Press a zoom button until the map is at `zoom` (a press during Leaflet's animation is ignored)."""
    for _ in range(5):
        frame.locator(button).click()
        for _ in range(60):
            if frame.evaluate("z => map_div.getZoom() === z && !map_div._animatingZoom", zoom):
                return
            frame.wait_for_timeout(50)
    raise RuntimeError(f"the map did not reach zoom {zoom}")


def press_in(frame: Frame, to_zoom: int) -> None:
    for step in range(int(frame.evaluate("() => map_div.getZoom()")) + 1, to_zoom + 1):
        press(frame, ".leaflet-control-zoom-in", step)
    settle(frame)


def unit_clicks(context, base_url: str, centres: dict[str, tuple[float, float]]) -> list[str]:
    """The Fujian units whose panel a first click on them opens, each on a fresh page at zoom 9, the map
    partly below the fold as a reader first finds it (where the old focus scroll moved the click)."""
    opened = []
    for unit, centre in centres.items():
        page = context.new_page()
        page.goto(base_url + "/")
        frame = wait_map(page)
        at(frame, centre, 9)
        point = frame.evaluate(f"() => map_div.latLngToContainerPoint([{centre[0]}, {centre[1]}])")
        frame.locator(".leaflet-container").click(position={"x": point["x"], "y": point["y"]})
        try:
            page.locator(f'.pp-panel .pp-panel-item[data-item="{unit}"]').wait_for(state="attached", timeout=15_000)
            opened.append(unit)
        except Exception:  # noqa: BLE001 (the click missed: counted, not raised)
            pass
        page.close()
    return opened


def browser_figures(base_url: str, centres: dict[str, tuple[float, float]], levelled: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    with sync_playwright() as pw:
        chromium = bench_browser.launch(pw)
        context = chromium.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        fetched: list[tuple[str, int]] = []
        page.on("response", lambda r: fetched.append((r.url, len(r.body()))) if "/mapdata/" in r.url else None)
        page.goto(base_url + "/")
        frame = wait_map(page)
        settle(frame)
        out["first_visit"] = sum(size for _, size in fetched)
        first = len(fetched)
        frame.evaluate(f"() => map_div.setView([{XIAMEN[0]}, {XIAMEN[1]}], 5, {{animate: false}})")
        press_in(frame, 11)
        out["xiamen_bytes"] = sum(size for url, size in fetched[first:] if "/level" in url)
        out["xiamen_files"] = len([1 for url, _ in fetched[first:] if "/level" in url])
        out["names_xiamen_1400"] = [n for n in frame.evaluate(JS_NAMES) if n in DISTRICTS["xiamen"]]
        paints = []
        for _ in range(7):
            press(frame, ".leaflet-control-zoom-out", 10)
            frame.wait_for_timeout(300)
            paints.append(frame.evaluate(JS_PAINT, levelled))
            if frame.evaluate("() => map_div.getZoom()") != 11:
                press(frame, ".leaflet-control-zoom-in", 11)
            settle(frame)
        out["paint_ms"] = statistics.median(paints)
        print(f"{base_url}: first visit, Xiamen zoom, paint done", file=sys.stderr, flush=True)
        again = len(fetched)
        at(frame, XIAMEN, 11)
        out["xiamen_again_bytes"] = sum(size for _, size in fetched[again:])
        at(frame, FUZHOU, 11)
        out["names_fuzhou_1400"] = [n for n in frame.evaluate(JS_NAMES) if n in DISTRICTS["fuzhou"]]
        segments: dict[tuple[str, int], float] = {}
        for unit, centre in centres.items():
            for zoom in ZOOMS:
                at(frame, centre, zoom)
                found = frame.evaluate(JS_SEGMENTS)
                segments[(unit, zoom)] = statistics.median(found) if found else float("nan")
        out["segments"] = segments
        print(f"{base_url}: segments done", file=sys.stderr, flush=True)
        out["clicks"] = unit_clicks(context, base_url, centres)
        print(f"{base_url}: clicks done", file=sys.stderr, flush=True)
        wide = chromium.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        wide.goto(base_url + "/")
        wide_frame = wait_map(wide)
        at(wide_frame, FUZHOU, 11)
        out["names_fuzhou_1920"] = [n for n in wide_frame.evaluate(JS_NAMES) if n in DISTRICTS["fuzhou"]]
        found = wide_frame.evaluate(JS_SEGMENTS)  # at 1400 Fuzhou's districts fill the window: no outline in it
        out["segments_fuzhou_1920"] = statistics.median(found) if found else float("nan")
        chromium.close()
    return out


def report(ds: data.Dataset, before: dict, after: dict, load: tuple[float, ...]) -> str:
    xiamen, fuzhou = "350200", "350100"

    def seg(fig: dict, unit: str, zoom: int) -> str:
        return f"{fig['segments'][(unit, zoom)]:.1f}"

    def worst(fig: dict) -> str:
        value, where = max((v, k) for k, v in fig["segments"].items() if not math.isnan(v))
        empty = sum(math.isnan(v) for v in fig["segments"].values())
        return (f"{value:.1f} px ({vocab.FUJIAN_UNITS[where[0]].en}, zoom {where[1]}; {empty} of "
                f"{len(fig['segments'])} windows have no outline in view)")

    dev = deviation_rows(ds)
    lines = [
        f"## Issue 20: the map zoomed into a city ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average "
        f"{', '.join(f'{v:.2f}' for v in load)})",
        "",
        "Written by `bench/zoom.py`; Chromium at 1400×900 unless said.",
        "",
        "| what | before | after | goal |",
        "|---|---|---|---|",
        f"| median on-screen segment of the admin outlines in view, zoom 11, Xiamen / Fuzhou (1400; 1920) | "
        f"{seg(before, xiamen, 11)} / {seg(before, fuzhou, 11)}; {before['segments_fuzhou_1920']:.1f} px | "
        f"{seg(after, xiamen, 11)} / {seg(after, fuzhou, 11)}; {after['segments_fuzhou_1920']:.1f} px | ≤ 6 px |",
        f"| the same, zooms 8–12 over every Fujian unit: the largest median | {worst(before)} | {worst(after)} | "
        "≤ 6 px |",
        "| largest deviation of what is drawn from the finest level, zooms 5–12 (px at 25°N) | "
        + ", ".join(f"{z}: {b / pixel_m(z, 25):.1f}" for z, _, b, _ in dev) + " | "
        + ", ".join(f"{z}: {a / pixel_m(z, 25):.1f}" for z, _, _, a in dev) + " | ≤ 1.5 px |",
        f"| district names shown at zoom 11, Xiamen (1400) / Fuzhou (1400; 1920) | "
        f"{len(before['names_xiamen_1400'])}/6, {len(before['names_fuzhou_1400'])}/8; "
        f"{len(before['names_fuzhou_1920'])}/8 | {len(after['names_xiamen_1400'])}/6, "
        f"{len(after['names_fuzhou_1400'])}/8; {len(after['names_fuzhou_1920'])}/8 | ≥ 5/6, ≥ 6/8 |",
        f"| map files of a first visit to / (bytes) | {before['first_visit']:,} | {after['first_visit']:,} | "
        "unchanged |",
        f"| level files fetched to zoom into Xiamen to 11 with + (bytes of the bodies, before any compression) | "
        f"{before['xiamen_bytes']:,} | {after['xiamen_bytes']:,} in {after['xiamen_files']} files | ≤ 150 KB |",
        f"| a second zoom there (bytes) | {before['xiamen_again_bytes']:,} | {after['xiamen_again_bytes']:,} | 0 |",
        f"| + pressed (10 → 11), files in hand: until the fine outlines are drawn, median of 7 (ms; Leaflet's "
        f"zoom animation is 250) | {before['paint_ms']:.0f} (the zoom alone: no level) | {after['paint_ms']:.0f} | "
        "≤ 300 |",
        f"| a first click on each Fujian unit at zoom 9 opens it | {len(before['clicks'])}/10 | "
        f"{len(after['clicks'])}/10 | 10/10 |",
        "",
        "Deviation by zoom (m): " + "; ".join(f"{z} {what} {a:,.0f} (before {b:,.0f})" for z, what, b, a in dev),
        "",
        "Districts named, after: Xiamen " + "、".join(after["names_xiamen_1400"]) + "; Fuzhou (1400) "
        + "、".join(after["names_fuzhou_1400"]) + "; Fuzhou (1920) " + "、".join(after["names_fuzhou_1920"]),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="another checkout: the before column")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    ds = data.load()
    finest = levels.of(ds)[-1].counties
    centres = {}
    for unit in vocab.FUJIAN_UNITS:
        point = shapely.coverage_union_all(finest[finest["unit"] == unit].geometry.values).representative_point()
        centres[unit] = (point.y, point.x)
    figures = {}
    with tempfile.TemporaryDirectory() as logs:
        try:
            for name, app in (("before", args.before / "serve.py"), ("after", server.APP_DIR / "serve.py")):
                running = server.start(app, Path(logs))
                figures[name] = browser_figures(running.base_url, centres, levelled=name == "after")
                server.stop(running)
        finally:
            server.stop_all()
    text = report(ds, figures["before"], figures["after"], os.getloadavg())
    print(text)
    if not args.no_write:
        with RESULTS_MD.open("a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
