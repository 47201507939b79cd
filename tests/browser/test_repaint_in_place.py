"""A filter change repaints the map in the iframe the reader already has (issue 13): the base map stays, the
new view's features are drawn, the static map files are not fetched again, and a click keeps the window."""

from __future__ import annotations

import json

from playwright.sync_api import Locator, Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from panprd import data, filters, vocab
from panprd.i18n import t
from tests.browser.test_map_pages import (
    FEATURE_LAYERS,
    JS_FEATURE_IDS,
    ST_FOLIUM_IFRAME,
    drawn_ids,
    expected_ids,
    feature_point,
    open_map,
)
from tests.browser.test_zoom_levels import settle


def _static(request_log: list[str]) -> list[str]:
    """The static map files fetched so far: the renderer, the shapes, the levels' list and level files."""
    return [u for u in request_log if "/app/static/mapdata/" in u]


def _view(frame) -> tuple[str, int]:
    state = frame.evaluate("() => { const c = document.querySelector('.leaflet-container');"
                           " return [c.getAttribute('data-pp-view'), Number(c.getAttribute('data-pp-views'))]; }")
    return state[0], state[1]


def test_a_filter_change_repaints_the_same_iframe(page: Page, app_server: str, wait_for_map, ds: data.Dataset,
                                                  request_log: list[str]) -> None:
    frame = open_map(page, f"{app_server}/corridors", wait_for_map)
    assert set(drawn_ids(frame)) == expected_ids(ds, "corridors")
    first_view, views = _view(frame)
    assert views == 1
    frame.evaluate("() => { window.ppStillHere = true; }")  # gone if the iframe is reloaded or replaced
    settle(frame, frame.evaluate("() => map_div.getZoom()"))  # the finer level's files of this window, if any
    static_before = _static(request_log)
    assert len(static_before) == len(set(static_before)), static_before  # each file once
    assert [u.rsplit("/", 1)[1].split("-")[0] for u in static_before[:2]] == ["ppmap", "shapes"], static_before
    assert all(u.rsplit("/", 1)[1].startswith("level") for u in static_before[2:]), static_before

    everything = expected_ids(ds, "corridors")
    by_theme = {key: expected_ids(ds, "corridors", filters.Filters(theme=(key,))) for key in vocab.THEMES}
    theme, wanted = next((k, ids) for k, ids in by_theme.items() if 0 < len(ids) < len(everything))  # fewer, not none
    page.get_by_role("combobox", name=t("filter_theme", "zh")).click()
    page.get_by_role("option", name=vocab.THEMES[theme].label("zh")).first.click()
    page.wait_for_url(f"**/corridors?theme={theme}")
    frame.wait_for_function(
        f"() => document.querySelector('.leaflet-container').getAttribute('data-pp-view') !== {json.dumps(first_view)}"
        f" && ({JS_FEATURE_IDS})({json.dumps(FEATURE_LAYERS)}).length === {len(wanted)}", timeout=30_000)
    assert set(drawn_ids(frame)) == wanted
    assert frame.evaluate("() => window.ppStillHere === true"), "the iframe was reloaded"
    assert _view(frame)[1] == 2
    expect(page.locator(ST_FOLIUM_IFRAME)).to_have_count(1)
    after = _static(request_log)
    assert after[:len(static_before)] == static_before and len(after) == len(set(after)), after  # none again
    # the previous view's layers, labels and layer control are gone, not hidden under the new ones
    assert frame.locator(".leaflet-control-layers").count() == 1
    labelled = frame.evaluate("() => Array.from(document.querySelectorAll('.pp-label')).map(e => e.dataset.key)")
    assert len(labelled) == len(set(labelled))

    # a click on a feature re-draws the view with it chosen, and keeps the reader's window; first the reader
    # closes the theme menu, which stays open after a pick and lies over the map's top left
    page.keyboard.press("Escape")
    expect(page.get_by_role("option")).to_have_count(0)
    frame.evaluate("() => map_div.setZoom(map_div.getZoom() + 1)")
    frame.wait_for_function("() => !map_div._animatingZoom")
    before = frame.evaluate("() => JSON.stringify(map_div.getBounds())")
    fid = next(f for f in sorted(wanted)  # feature_point finds a point on a line
               if ds.geo.features.at[f, "geometry"].geom_type in ("LineString", "MultiLineString"))
    frame.locator(".leaflet-container").click(position=feature_point(frame, fid))
    page.wait_for_url(f"**feature={fid}*")
    frame.locator("path.pp-selected").first.wait_for(state="attached", timeout=30_000)
    assert frame.evaluate("() => window.ppStillHere === true")
    assert frame.evaluate("() => JSON.stringify(map_div.getBounds())") == before


# Every change Streamlit's frontend makes to the page's frame (the sidebar, the title above the fragment) is a
# DOM mutation: a full rerun marks each element stale and back, re-renders the page links and radios. The open
# multiselect's menu hides the rest of the page from screen readers (aria-hidden); that one is not the rerun's.
WATCH_FRAME_JS = """() => {
  const watched = [document.querySelector('section[data-testid="stSidebar"]'), document.querySelector('h1')];
  window.ppFrameNodes = [...watched, ...document.querySelectorAll('section[data-testid="stSidebar"] *')];
  window.ppFrameChanges = [];
  const seen = new MutationObserver(list => list.filter(m => m.attributeName !== "aria-hidden").forEach(m =>
    window.ppFrameChanges.push(`${m.type} ${m.attributeName || ""} ${(m.target.outerHTML || "").slice(0, 120)}`)));
  watched.forEach(node => seen.observe(node, {subtree: true, childList: true, attributes: true, characterData: true}));
}"""
SAME_FRAME_JS = """() => {
  const now = [document.querySelector('section[data-testid="stSidebar"]'), document.querySelector('h1'),
               ...document.querySelectorAll('section[data-testid="stSidebar"] *')];
  return [now.length === window.ppFrameNodes.length && now.every((node, i) => node === window.ppFrameNodes[i]),
          window.ppFrameChanges];
}"""


def _sent(frames: list[bytes]) -> tuple[list[str], list[int]]:
    """What the server sent in `frames`: each script run's finish status, and the root container (0 main, 1
    sidebar) of each element it sent."""
    finished, roots = [], []
    for payload in frames:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "script_finished":
            finished.append(ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished))
        elif msg.WhichOneof("type") == "delta" and msg.metadata.delta_path:
            roots.append(msg.metadata.delta_path[0])
    return finished, roots


def _metric(page: Page, label: str) -> Locator:
    """The value of the headline's metric labelled `label`."""
    return page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')


def test_a_filter_change_reruns_the_body_alone(page: Page, app_server: str, wait_for_map, ds: data.Dataset) -> None:
    """Issue 23: a filter change in the filter bar repaints the map, the panel and the headline with the new view,
    the URL carries the filter, the server reruns the page's fragment alone and sends nothing of the sidebar, and
    the sidebar and the title are the same DOM nodes, not touched at all."""
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    unit = next(iter(vocab.FUJIAN_UNITS))
    frame = open_map(page, f"{app_server}/?feature={unit}", wait_for_map)
    expect(page.locator(f'.pp-panel[data-feature="{unit}"]')).to_be_visible()
    expect(_metric(page, t("count_actions", "zh"))).to_have_text(str(len(ds.measures)))
    first_view, _ = _view(frame)
    page.evaluate(WATCH_FRAME_JS)
    page.wait_for_timeout(300)
    since = len(frames)

    theme = next(iter(vocab.THEMES))
    shown = filters.apply(ds.measures, filters.Filters(theme=(theme,)))
    assert 0 < len(shown) < len(ds.measures)
    page.get_by_role("combobox", name=t("filter_theme", "zh")).click()
    page.get_by_role("option", name=vocab.THEMES[theme].label("zh")).first.click()
    page.wait_for_url(f"**/?theme={theme}")  # the filter in the URL; the chosen unit dropped with the old view
    frame.wait_for_function(
        f"() => document.querySelector('.leaflet-container').getAttribute('data-pp-view') !== {json.dumps(first_view)}",
        timeout=30_000)
    expect(_metric(page, t("count_actions", "zh"))).to_have_text(str(len(shown)))
    expect(page.locator(".pp-panel")).to_contain_text(t("panel_hint", "zh"))
    expect(page.locator(f'.pp-panel[data-feature="{unit}"]')).to_have_count(0)
    page.wait_for_timeout(500)  # anything late from the rerun
    same, changes = page.evaluate(SAME_FRAME_JS)
    assert same, "the sidebar or the title was re-made"
    assert changes == [], f"{len(changes)} changes to the sidebar and title: {changes[:3]}"
    assert _view(frame)[1] == 2
    finished, roots = _sent(frames[since:])
    assert finished == ["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"], finished
    assert roots and 1 not in roots, f"{roots.count(1)} elements of the sidebar sent again"
