"""The label layer in real Chromium: names visible in the map, never on top of each other or the map's furniture,
markup in a name shown as text, and a scale bar in kilometres only.

Runs ``label_demo_app.py`` (our polygons, ``admin_labels`` and a feature named with markup, the LabelLayer and
MetricScale) in st_folium's iframe, as the pages will.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page

DEMO_APP = Path(__file__).with_name("label_demo_app.py")
# A feature name with markup, short enough to fit the demo's sea (tests/test_labels.py checks the long one of
# tests/test_hostile.py in the payload); "</script>" would end the map's script element if it got through.
MARKUP = "<img src=x onerror=alert(1)></script>"

# Every label: key, text, markup inside it, whether it is shown, its box (viewport pixels of the iframe).
JS_LABELS = """() => Array.from(document.querySelectorAll('.pp-label')).map(el => {
  const text = el.querySelector('.pp-label-text'), r = text.getBoundingClientRect();
  return {key: el.dataset.key, kind: el.dataset.kind, text: text.textContent,
          elements: el.querySelectorAll('*').length, imgs: el.querySelectorAll('img, script').length,
          shown: getComputedStyle(text).visibility === 'visible' && r.width > 0 && r.height > 0,
          box: [r.left, r.top, r.right, r.bottom]};
})"""
JS_BOXES = """(selector) => Array.from(document.querySelectorAll(selector)).map(el => {
  const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];
})"""
JS_SETTLED = "() => 'ppLabelsZoom' in (document.querySelector('.leaflet-container') || {dataset: {}}).dataset"


@pytest.fixture(scope="module")
def demo_url(streamlit_server: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    app = tmp_path_factory.mktemp("labels_demo") / "label_demo_app.py"
    shutil.copy(DEMO_APP, app)
    return streamlit_server(app, env={"PANPRD_LABEL_DEMO_MARKUP": MARKUP})


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _open(page: Page, url: str, wait_for_map: Callable[..., Frame]) -> tuple[Frame, dict[str, dict]]:
    page.goto(url)
    frame = wait_for_map(page)
    frame.wait_for_function(JS_SETTLED, timeout=20_000)
    page.wait_for_timeout(800)  # fitBounds and fonts settle; the layer re-places on each event
    labels = {item["key"]: item for item in frame.evaluate(JS_LABELS)}
    return frame, labels


def _check_region(frame: Frame, labels: dict[str, dict], expected: dict[str, str]) -> None:
    container = frame.evaluate(JS_BOXES, ".leaflet-container")[0]
    by_text = {item["text"]: item for item in labels.values()}
    for text in expected.values():
        assert text in by_text, (text, sorted(by_text))
        item = by_text[text]
        assert item["shown"], item
        x0, y0, x1, y1 = item["box"]
        assert container[0] <= x0 and x1 <= container[2] and container[1] <= y0 and y1 <= container[3], item
    shown = [item for item in labels.values() if item["shown"]]
    for a, b in combinations(shown, 2):
        assert not _overlap(a["box"], b["box"]), (a, b)
    furniture = [box for sel in (".pp-inset", ".pp-legend", ".pp-notice", ".leaflet-control")
                 for box in frame.evaluate(JS_BOXES, sel)]
    for item in shown:
        if item["kind"] != "island" and item["key"] != "710000":  # keep labels are never dropped
            for box in furniture:
                assert not _overlap(item["box"], box), (item, box)


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", {"440000": "广东", "360000": "江西", "710000": "台湾省"}),
    ("en", {"440000": "Guangdong", "360000": "Jiangxi", "710000": "Taiwan"}),
])
def test_region_labels_visible_and_apart(page: Page, demo_url: str, wait_for_map, dialogs: list,
                                         screenshot_dir: Path, lang: str, expected: dict[str, str]) -> None:
    before = len(dialogs)
    frame, labels = _open(page, f"{demo_url}/?lang={lang}", wait_for_map)
    page.screenshot(path=screenshot_dir / f"labels_demo{'' if lang == 'zh' else '_en'}.png", full_page=True)
    for key, text in expected.items():
        assert labels[key]["text"] == text
    _check_region(frame, labels, expected)
    assert sum(item["shown"] for item in labels.values()) >= 10, labels  # the 9+2 region, not a lucky few
    assert not any(item["shown"] for item in labels.values() if item["kind"] == "city")  # cities from Fujian zoom

    hostile = labels["hostile_demo"]
    assert hostile["text"] == MARKUP and hostile["shown"], hostile
    assert hostile["imgs"] == 0 and hostile["elements"] == 1, hostile  # one span, its markup only text
    assert len(dialogs) == before, dialogs[before:]

    scale = frame.locator(".leaflet-control-scale").inner_text()
    assert "km" in scale and "mi" not in scale, scale
    assert frame.locator(".leaflet-control-scale-line").count() == 1


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", {"350100": "福州", "350200": "厦门", "710000": "台湾省"}),
    ("en", {"350100": "Fuzhou", "350200": "Xiamen", "710000": "Taiwan"}),
])
def test_fujian_labels_visible_and_apart(page: Page, demo_url: str, wait_for_map, screenshot_dir: Path,
                                         lang: str, expected: dict[str, str]) -> None:
    frame, labels = _open(page, f"{demo_url}/?lang={lang}&view=fujian", wait_for_map)
    page.screenshot(path=screenshot_dir / f"labels_demo_fujian{'' if lang == 'zh' else '_en'}.png", full_page=True)
    _check_region(frame, labels, expected)
    assert not labels["350000"]["shown"]  # 福建 gives way to its cities


JS_RUNS = "() => Number(document.querySelector('.leaflet-container').dataset.ppLabelsRuns)"
JS_MAP = "Object.values(window).find(v => v instanceof L.Map)"


def _move(frame: Frame, js: str, arg: object = None) -> dict[str, dict]:
    """Run ``js`` (it moves the map), wait until the labels are placed again, return them."""
    runs = frame.evaluate(JS_RUNS)
    frame.evaluate(js, arg)
    frame.wait_for_function(f"() => ({JS_RUNS})() > {runs}")
    page_labels = {item["key"]: item for item in frame.evaluate(JS_LABELS)}
    shown = [item for item in page_labels.values() if item["shown"]]
    for a, b in combinations(shown, 2):
        assert not _overlap(a["box"], b["box"]), (a, b)
    return page_labels


def test_crowded_labels_give_way(page: Page, demo_url: str, wait_for_map) -> None:
    """Zoomed out to where the English city names crowd the coast, some give way and none overlap."""
    frame, _ = _open(page, f"{demo_url}/?lang=en&view=fujian", wait_for_map)
    labels = _move(frame, f"() => {JS_MAP}.setView([25.9, 118.3], 6.5, {{animate: false}})")
    cities = [item for item in labels.values() if item["kind"] == "city"]
    assert 3 <= sum(item["shown"] for item in cities) < len(cities), cities
    assert labels["350100"]["shown"] and labels["710000"]["shown"]


@pytest.mark.parametrize("selector", [".pp-inset", ".pp-legend", ".pp-notice"])
def test_labels_give_way_to_the_map_furniture(page: Page, demo_url: str, wait_for_map, selector: str) -> None:
    """Panned so that 广东's label would sit on the inset, the legend or the notice, it is hidden instead."""
    frame, labels = _open(page, f"{demo_url}/?lang=zh", wait_for_map)
    assert labels["440000"]["shown"]
    labels = _move(frame, "(selector) => {"
                          "const a = document.querySelector('.pp-label[data-key=\"440000\"]').getBoundingClientRect();"
                          "  const t = document.querySelector(selector).getBoundingClientRect();"
                          f"  {JS_MAP}.panBy([a.left - t.left - t.width / 2, a.top - t.top - t.height / 2],"
                          "                  {animate: false});"
                          "}", selector)
    assert not labels["440000"]["shown"], labels["440000"]
    (box,) = frame.evaluate(JS_BOXES, selector)
    assert not [item for item in labels.values() if item["shown"] and _overlap(item["box"], box)
                and item["kind"] != "island" and item["key"] != "710000"]


def test_labels_follow_the_zoom(page: Page, demo_url: str, wait_for_map) -> None:
    """Zooming in to Fujian brings the cities in; collisions are re-checked after every zoom."""
    frame, labels = _open(page, f"{demo_url}/?lang=zh", wait_for_map)
    assert not labels["350100"]["shown"]
    labels = _move(frame, f"() => {JS_MAP}.setView([25.9, 118.3], 7.5, {{animate: false}})")
    assert frame.evaluate("document.querySelector('.leaflet-container').dataset.ppLabelsZoom") == "7.5"
    assert labels["350100"]["shown"] and labels["350200"]["shown"] and not labels["350000"]["shown"]
