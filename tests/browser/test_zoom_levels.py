"""A reader zooms into their own city with the + button (issue 20): the coast is drawn finely, the districts
are named, a district's click opens its city, and zooming back out fetches nothing new."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from bench.zoom import JS_SEGMENTS  # the figure the benchmark reports
from panprd.map import levels

# The texts of the labels a reader sees (shown, inside the map) with their boxes.
JS_LABELS = """() => {
  const box = document.querySelector('.leaflet-container').getBoundingClientRect();
  return [...document.querySelectorAll('.pp-label')].filter(e => !e.classList.contains('pp-label-off')
      && !e.classList.contains('pp-label-hidden')).map(e => {
    const r = e.querySelector('.pp-label-text').getBoundingClientRect();
    return [e.textContent, r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top];
  }).filter(([, x0, y0, x1, y1]) => x0 >= 0 && y0 >= 0 && x1 <= box.width && y1 <= box.height);
}"""
# centre, the districts, how many must be named, the window (at 1400 px the map is ~650 × 600 px: Fuzhou's
# eight district names span 0.46°, ~670 px at zoom 11, and the parts of 闽侯, 长乐 and 连江 in view lie under
# the layer control, the inset and 福州's own name: 5 of 8 there, so its figure is read at 1920)
CITIES = {
    "xiamen": ((24.62, 118.13), ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"), 5, (1400, 900)),
    "fuzhou": ((26.1, 119.34), ("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "闽侯县", "长乐区", "连江县"), 6,
               (1920, 1080)),
}


def zoom_by_hand(page: Page, frame: Frame, centre: tuple[float, float], zoom: int) -> None:
    """Centre the map on a city at zoom 5, then press + until `zoom`, as a reader does who means to get there
    (the next press as soon as the last zoom has ended: a reader who pauses on a level fetches it too)."""
    frame.evaluate(f"() => map_div.setView([{centre[0]}, {centre[1]}], 5, {{animate: false}})")
    for step in range(6, zoom + 1):
        frame.locator(".leaflet-control-zoom-in").click()
        wait_zoom(frame, step)
    settle(frame, zoom)


def wait_zoom(frame: Frame, zoom: float, timeout_s: float = 15) -> None:
    """Poll from here: wait_for_function's page-side polling stalls in an iframe below the fold."""
    for _ in range(int(timeout_s * 20)):
        if frame.evaluate("z => map_div.getZoom() === z && !map_div._animatingZoom", zoom):
            return  # Leaflet ignores a + pressed before its zoom animation has ended
        frame.wait_for_timeout(50)
    raise AssertionError(f"the map did not reach zoom {zoom}: {frame.evaluate('() => map_div.getZoom()')}")


def settle(frame: Frame, zoom: float) -> None:
    """At `zoom`, the level files fetched (ppmap.js fetches 600 ms after the last zoom) and drawn."""
    wait_zoom(frame, zoom)
    frame.wait_for_timeout(800)
    for _ in range(200):
        if frame.evaluate("() => (document.querySelector('.leaflet-container').dataset.ppLevelPending || '0')") == "0":
            break
        frame.wait_for_timeout(50)
    frame.wait_for_timeout(200)  # the labels' placement after the last move


@pytest.fixture
def level_requests(page: Page) -> list[tuple[str, int]]:
    """(URL, bytes) of every level file the page fetched."""
    seen: list[tuple[str, int]] = []
    page.on("response", lambda r: seen.append((r.url, len(r.body()))) if "/mapdata/level-" in r.url else None)
    return seen


@pytest.mark.parametrize("city", sorted(CITIES))
def test_zooming_into_a_city_draws_its_coast_and_names_its_districts(
    page: Page, app_server: str, wait_for_map, level_requests: list[str], screenshot_dir: Path, city: str
) -> None:
    centre, districts, wanted, (width, height) = CITIES[city]
    page.set_viewport_size({"width": width, "height": height})
    page.goto(app_server + "/")
    frame = wait_for_map(page)
    frame.wait_for_function("() => document.querySelector('.leaflet-container[data-pp-view]')")
    assert level_requests == []  # the first visit fetches no level
    zoom_by_hand(page, frame, centre, 11)
    container = frame.locator(".leaflet-container")
    expect(container).to_have_attribute("data-pp-level", "3")
    segments = frame.evaluate(JS_SEGMENTS)
    assert len(segments) > 200 and statistics.median(segments) <= 6, statistics.median(segments)
    shown = frame.evaluate(JS_LABELS)
    named = [name for name in districts if any(text == name for text, *_ in shown)]
    assert len(named) >= wanted, (named, [s[0] for s in shown])
    texts = [text for text, *_ in shown]
    assert len(texts) == len(set(texts)), texts  # one anchor of a county's name at a time
    boxes = [box for _, *box in shown]
    overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert not overlaps
    page.screenshot(path=screenshot_dir / f"zoom_{city}_11_zh_{width}.png")
    fetched = len(level_requests)
    assert all(re.search(r"/level-[123]-\d{6}-[0-9a-f]{16}\.js$", url) for url, _ in level_requests)
    if city == "xiamen":
        assert sum(size for _, size in level_requests) <= 150_000, level_requests  # uncompressed
    for _ in range(6):  # back out to the region, then in again: the files are in hand
        frame.locator(".leaflet-control-zoom-out").click()
        frame.wait_for_timeout(300)
    settle(frame, 5)
    expect(container).to_have_attribute("data-pp-level", "0")
    zoom_by_hand(page, frame, centre, 11)
    again = [url for url, _ in level_requests[fetched:]]
    # a second zoom there fetches none of the close-up's files again (a level passed on the way may be new:
    # it is fetched once the reader pauses on it, and this walk may pause where the first did not)
    assert not [url for url in again if "/level-3-" in url], again
    assert len({url for url, _ in level_requests}) == len(level_requests)
    expect(container).to_have_attribute("data-pp-level", "3")


def test_a_click_on_a_district_opens_its_city_named_with_the_district(
    page: Page, app_server: str, wait_for_map, ds
) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(app_server + "/")
    frame = wait_for_map(page)
    zoom_by_hand(page, frame, CITIES["xiamen"][0], 11)
    finest = levels.of(ds)[-1].counties
    opened = []
    for code, name in (("350203", "思明区"), ("350206", "湖里区"), ("350211", "集美区"), ("350205", "海沧区"),
                       ("350212", "同安区"), ("350213", "翔安区")):
        point = finest.at[code, "geometry"].representative_point()
        frame.evaluate(f"() => map_div.panTo([{point.y}, {point.x}], {{animate: false}})")
        frame.wait_for_timeout(300)
        at = frame.evaluate(f"() => map_div.latLngToContainerPoint([{point.y}, {point.x}])")
        frame.locator(".leaflet-container").click(position={"x": at["x"], "y": at["y"]})
        # the city's section (after any line or point feature near the click: those come first)
        heading = page.locator('.pp-panel .pp-panel-item[data-item="350200"]').locator("h4, h5")
        expect(heading).to_have_text(f"{name} · 厦门市", timeout=15_000)
        opened.append(name)
    assert len(opened) == 6


def test_a_level_file_that_fails_leaves_the_coarse_coast_and_says_so_once(
    page: Page, app_server: str, wait_for_map, screenshot_dir: Path
) -> None:
    page.route(re.compile(r".*/mapdata/level-3-350200-.*"), lambda route: route.fulfill(status=404, body=""))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(app_server + "/")
    frame = wait_for_map(page)
    zoom_by_hand(page, frame, CITIES["xiamen"][0], 11)
    note = frame.locator(".pp-level-failed")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("精细边界未能加载")
    frame.locator(".leaflet-control-zoom-out").click()
    wait_zoom(frame, 10)
    frame.locator(".leaflet-control-zoom-in").click()
    settle(frame, 11)
    expect(note).to_have_count(1)  # said once
    assert frame.evaluate("() => document.querySelectorAll('.leaflet-overlay-pane path').length") > 20  # drawn
    page.screenshot(path=screenshot_dir / "zoom_xiamen_failed_file.png")
