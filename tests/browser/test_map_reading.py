"""Maps an official reads without clicking, and clicks that reach the place (issue: map reading).

On the real pages in Chromium: the names on the map (provinces, Fujian's cities, Taiwan) are visible in
the map and never on top of each other; Taiwan is in view; the 南海诸岛 inset covers no Fujian or Taiwan
land; a click inside each Fujian unit on the overview, with every layer on, opens that unit; a linked
feature is drawn apart from the others.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
import shapely
from playwright.sync_api import Frame, Page, expect

from panprd import data, vocab
from panprd.map import spec as mapspec

JS_MAP = "(window.map_div || Object.values(window).find(v => v instanceof L.Map))"
JS_LABELS = """() => Array.from(document.querySelectorAll('.pp-label')).map(el => {
  const t = el.querySelector('.pp-label-text') || el, r = t.getBoundingClientRect();
  return {key: el.dataset.key, text: t.textContent,
          shown: getComputedStyle(t).visibility === 'visible' && r.width > 0 && r.height > 0,
          box: [r.left, r.top, r.right, r.bottom]};
})"""
JS_PROJECT = f"""(points) => {{ const map = {JS_MAP};
  return points.map(([lon, lat]) => {{ const p = map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }}); }}"""
JS_CONTAINER_BOX = """(sel) => { const c = document.querySelector('.leaflet-container').getBoundingClientRect();
  const r = document.querySelector(sel).getBoundingClientRect();
  return [r.left - c.left, r.top - c.top, r.right - c.left, r.bottom - c.top]; }"""
JS_SIZE = f"() => {{ const s = {JS_MAP}.getSize(); return [s.x, s.y]; }}"
JS_SETTLED = "() => 'ppLabelsZoom' in (document.querySelector('.leaflet-container') || {dataset: {}}).dataset"
FUJIAN_PAGES = ("corridors", "transfer_zones", "ecology")


def open_settled(page: Page, url: str, wait_for_map: Callable[..., Frame]) -> Frame:
    page.goto(url)
    frame = wait_for_map(page)
    frame.wait_for_function(JS_SETTLED, timeout=30_000)
    page.wait_for_timeout(800)  # fitBounds, fonts and the label placement settle
    return frame


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(("path", "lang", "names"), [
    ("/", "zh", ("广东", "江西", "台湾")),
    ("/corridors", "zh", ("福州", "厦门", "台湾")),
    ("/", "en", ("Guangdong", "Jiangxi", "Taiwan")),
    ("/corridors", "en", ("Fuzhou", "Xiamen", "Taiwan")),
])
def test_names_are_on_the_map_and_never_on_top_of_each_other(page: Page, app_server: str, wait_for_map,
                                                            screenshot_dir: Path, path: str, lang: str,
                                                            names: tuple[str, ...]) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    frame = open_settled(page, f"{app_server}{path}?lang={lang}", wait_for_map)
    labels = frame.evaluate(JS_LABELS)
    width, height = frame.evaluate(JS_SIZE)
    origin = frame.evaluate("() => { const r = document.querySelector('.leaflet-container')"
                            ".getBoundingClientRect(); return [r.left, r.top]; }")
    shown = [label for label in labels if label["shown"]]
    for name in names:
        found = [label for label in shown if label["text"].startswith(name)]
        assert found, (name, sorted(label["text"] for label in shown))
        x0, y0, x1, y1 = found[0]["box"]
        assert origin[0] <= x0 and x1 <= origin[0] + width and origin[1] <= y0 and y1 <= origin[1] + height, found
    for a, b in combinations(shown, 2):
        assert not overlap(a["box"], b["box"]), (a["text"], b["text"])
    if lang == "en":
        assert all(label["text"].isascii() or "–" in label["text"] for label in shown), [
            label["text"] for label in shown if not label["text"].isascii()]
    page.screenshot(path=screenshot_dir / f"labels_{path.strip('/') or 'overview'}_{lang}.png")


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
@pytest.mark.parametrize("page_key", ["overview", *FUJIAN_PAGES])
def test_taiwan_is_in_view_and_the_inset_covers_no_fujian_or_taiwan_land(page: Page, app_server: str,
                                                                        wait_for_map, ds: data.Dataset,
                                                                        page_key: str, size: tuple[int, int]) -> None:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    frame = open_settled(page, f"{app_server}/{'' if page_key == 'overview' else page_key}", wait_for_map)
    width, height = frame.evaluate(JS_SIZE)
    basemap, _ = mapspec.display_geometries(ds.geo)
    centre = basemap["710000"].representative_point()
    (x, y), = frame.evaluate(JS_PROJECT, [[centre.x, centre.y]])
    assert 0 <= x <= width and 0 <= y <= height, ("Taiwan out of view", page_key, (x, y), (width, height))
    land = shapely.union_all([basemap[c] for c in (*vocab.FUJIAN_UNITS, "710000")])
    points = [list(p) for part in getattr(land, "geoms", [land]) for p in part.exterior.coords]
    inset = frame.evaluate(JS_CONTAINER_BOX, ".pp-inset")
    inside = [p for p, (px, py) in zip(points, frame.evaluate(JS_PROJECT, points))
              if inset[0] <= px <= inset[2] and inset[1] <= py <= inset[3]]
    assert inside == [], (page_key, size, inside[:5])


def test_a_click_inside_each_fujian_unit_opens_that_unit(page: Page, app_server: str, wait_for_map,
                                                         ds: data.Dataset, screenshot_dir: Path) -> None:
    """On the overview with every layer on: no area feature or marker takes the click from the unit."""
    page.set_viewport_size({"width": 1400, "height": 900})
    basemap, _ = mapspec.display_geometries(ds.geo)
    frame = open_settled(page, f"{app_server}/", wait_for_map)
    for code, term in vocab.FUJIAN_UNITS.items():
        point = basemap[code].representative_point()
        container = frame.locator(".leaflet-container")
        container.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        (x, y), = frame.evaluate(JS_PROJECT, [[point.x, point.y]])
        box = container.bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)  # a real mouse at the page's pixel of that point
        names = page.locator(".pp-panel .pp-panel-item > :is(h4, h5)")
        expect(names.filter(has_text=term.zh)).to_have_count(1, timeout=60_000)
        frame = wait_for_map(page)  # the map is drawn again with the unit highlighted
        frame.wait_for_function(JS_SETTLED, timeout=30_000)
    page.screenshot(path=screenshot_dir / "overview_clicked_unit.png")


def test_a_linked_feature_is_drawn_apart_from_the_others(page: Page, app_server: str, wait_for_map) -> None:
    frame = open_settled(page, f"{app_server}/corridors?feature=rail_xiangpu", wait_for_map)
    widths = frame.evaluate(f"""() => {{ const map = {JS_MAP};
      const out = {{}}; map.eachLayer(l => {{ const p = l.feature && l.feature.properties;
        if (p && p.kind === 'railway') out[p.id] = [l.options.weight, l.options.opacity, l.options.className]; }});
      return out; }}""")
    chosen = widths.pop("rail_xiangpu")
    assert widths and chosen[2] == "pp-selected"
    assert all(chosen[0] > weight and chosen[1] > opacity for weight, opacity, _ in widths.values())
    assert frame.locator("path.pp-selected").count() == 1
