"""What a person sees on the real app: each map page, URL filters, the feature panel, bad URLs, markup in data.

Every test drives ``app.py`` (the session's ``app_server``) in headless Chromium and compares what the
st_folium iframe draws with what the package computes for the same filters.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from panprd import data, filters, pages, vocab
from panprd.i18n import t
from panprd.map import spec as mapspec

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAGE_PATHS = {"overview": "/", "corridors": "/corridors", "transfer_zones": "/transfer_zones", "ecology": "/ecology"}
FEATURE_LAYERS = list(vocab.LAYERS)  # corridor, transfer_zone, ecology; the basemap's layer is "admin"
ST_FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
FILTER_BAR = ".st-key-pp_filters"  # the filters above the page's body (panprd.ui.frame.filter_bar)
NAV_BAR = ".st-key-pp_nav"  # the page links (panprd.ui.frame.nav_bar)
RAIL = "rail_xiangpu"
MARKUP = "<img src=x onerror=alert(1)>"

# Ids of the drawn feature layers (a path or marker in the DOM, interactive) whose layer is one of `layers`.
JS_FEATURE_IDS = """(layers) => {
  const map = window.map_div || Object.values(window).find(v => v instanceof L.Map);
  const ids = [];
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (!p || !layers.includes(p.layer)) return;
    const el = l._path || l._icon;
    if (el && el.isConnected && el.classList.contains('leaflet-interactive')) ids.push(p.id);
  });
  return ids;
}"""

# A point (container pixels) on a line feature where the feature's own path is the topmost element:
# segment midpoints first, then other points along the segments.
JS_FEATURE_POINT = """([fid, layers]) => {
  const map = window.map_div || Object.values(window).find(v => v instanceof L.Map);
  let layer = null;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.id === fid && layers.includes(p.layer)) layer = l;
  });
  if (!layer) return null;
  const rect = map.getContainer().getBoundingClientRect();
  const size = map.getSize();
  const latlngs = layer.getLatLngs();
  const lines = L.LineUtil.isFlat(latlngs) ? [latlngs] : latlngs;
  for (const frac of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
    for (const line of lines) {
      for (let i = 0; i + 1 < line.length; i++) {
        const a = line[i], b = line[i + 1];
        const pt = map.latLngToContainerPoint(L.latLng(a.lat + (b.lat - a.lat) * frac, a.lng + (b.lng - a.lng) * frac));
        if (pt.x < 5 || pt.y < 5 || pt.x > size.x - 5 || pt.y > size.y - 5) continue;
        if (document.elementFromPoint(rect.left + pt.x, rect.top + pt.y) === layer._path) {
          return {x: Math.round(pt.x), y: Math.round(pt.y)};
        }
      }
    }
  }
  return null;
}"""

JS_FEATURE_IN_VIEW = """([fid, layers]) => {
  const map = window.map_div || Object.values(window).find(v => v instanceof L.Map);
  let inView = false;
  map.eachLayer(l => {
    const p = l.feature && l.feature.properties;
    if (p && p.id === fid && layers.includes(p.layer)) inView = map.getBounds().contains(l.getBounds());
  });
  return inView;
}"""


class Logs:
    """The session's dialog and page-error logs from the moment a test started."""

    def __init__(self, dialogs: list, page_errors: list, request_log: list[str]):
        self._dialogs, self._errors, self.request_log = dialogs, page_errors, request_log
        self._d0, self._e0 = len(dialogs), len(page_errors)

    def new_dialogs(self) -> list:
        return self._dialogs[self._d0 :]

    def new_errors(self) -> list:
        return self._errors[self._e0 :]


@pytest.fixture
def logs(dialogs: list, page_errors: list, request_log: list[str]) -> Logs:
    return Logs(dialogs, page_errors, request_log)


def open_map(page: Page, url: str, wait_for_map: Callable[..., Frame]) -> Frame:
    page.goto(url)
    return wait_for_map(page)


def drawn_ids(frame: Frame) -> list[str]:
    return [html.unescape(fid) for fid in frame.evaluate(JS_FEATURE_IDS, FEATURE_LAYERS)]


def expected_ids(ds: data.Dataset, page_key: str, flt: filters.Filters | None = None) -> set[str]:
    measures = filters.apply(ds.measures, flt or filters.Filters())
    return set(mapspec.features_of(ds, measures, pages.BY_KEY[page_key].layer).index)


def measures_of(ds: data.Dataset, fid: str) -> set[str]:
    return set(ds.measures.index[ds.measures["features"].map(lambda fids: fid in fids)])


def feature_point(frame: Frame, fid: str) -> dict[str, int]:
    point = frame.evaluate(JS_FEATURE_POINT, [fid, FEATURE_LAYERS])
    assert point, f"no visible, unobstructed point on {fid} in the map"
    return point


def tags(page: Page, label: str) -> list[str]:
    """Texts of the selected chips of the filter bar's multiselect labelled `label`."""
    widget = page.locator(f'{FILTER_BAR} [data-testid="stMultiSelect"]').filter(
        has=page.locator(f'input[aria-label="{label}"]')
    )
    expect(widget).to_have_count(1)
    return widget.locator("[data-tag]").all_inner_texts()


def expect_panel(page: Page, ds: data.Dataset, fid: str) -> None:
    """The side panel shows `fid` first, with one .pp-action per measure that references it (what else lies
    under a click follows in sections of its own)."""
    panel = page.locator(f'.pp-panel[data-feature="{fid}"] .pp-panel-item').first
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-item", fid)
    wanted = measures_of(ds, fid)
    assert wanted, f"no measure references {fid}"
    expect(panel.locator(".pp-action")).to_have_count(len(wanted))
    assert set(panel.locator(".pp-action").evaluate_all("els => els.map(e => e.dataset.measure)")) == wanted


def assert_clean(logs: Logs) -> None:
    assert logs.new_dialogs() == []
    assert logs.new_errors() == []


# 1 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_key", list(PAGE_PATHS))
def test_page_paints_its_features(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs, screenshot_dir: Path, page_key: str
) -> None:
    frame = open_map(page, app_server + PAGE_PATHS[page_key], wait_for_map)
    expect(page.locator("h1")).to_have_text(t(f"page_{page_key}", "zh"))
    ids = drawn_ids(frame)
    assert len(ids) > 0
    assert len(ids) == len(set(ids)), "a feature is drawn twice"
    assert set(ids) == expected_ids(ds, page_key)
    page.screenshot(path=screenshot_dir / f"{page_key}.png", full_page=True)
    assert_clean(logs)


def test_english_page(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs, screenshot_dir: Path
) -> None:
    frame = open_map(page, f"{app_server}/corridors?lang=en", wait_for_map)
    expect(page.locator("h1")).to_have_text(t("page_corridors", "en"))
    assert t("page_corridors", "en") == "Cooperation corridors"
    expect(page.locator(FILTER_BAR)).to_contain_text(t("filters", "en"))
    assert set(drawn_ids(frame)) == expected_ids(ds, "corridors")
    page.screenshot(path=screenshot_dir / "corridors_en.png", full_page=True)
    assert_clean(logs)


def test_first_visit_by_page_link_shows_only_the_app_navigation(
    page: Page, streamlit_server, wait_for_map, logs: Logs, screenshot_dir: Path
) -> None:
    """A shared link (README: `/ecology?partner=440000`) is often the first request a restarted server gets.

    The page must then show the app's own page links only, not Streamlit's own navigation built from
    the `pages/` folder (which stays for every later visitor of that server process).
    """
    fresh = streamlit_server(PROJECT_ROOT / "app.py", env={"PANPRD_TEST_SERVER": "first-visit-by-page-link"})
    open_map(page, f"{fresh}/corridors", wait_for_map)
    expect(page.locator("h1")).to_have_text(t("page_corridors", "zh"))
    page.screenshot(path=screenshot_dir / "first_visit_corridors.png", full_page=True)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
    expect(page.locator('[data-testid="stSidebar"] a[data-testid="stPageLink-NavLink"]')).to_have_count(0)
    expect(page.locator(f"{NAV_BAR} a")).to_have_text([p.title("zh") for p in pages.PAGES])
    assert_clean(logs)


# 2 ---------------------------------------------------------------------------------------------------------


def test_filter_link_applies_filters(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs, screenshot_dir: Path
) -> None:
    unfiltered = set(drawn_ids(open_map(page, f"{app_server}/ecology", wait_for_map)))
    assert unfiltered == expected_ids(ds, "ecology")

    frame = open_map(page, f"{app_server}/ecology?theme=ecology&partner=440000", wait_for_map)
    theme_tags, partner_tags = tags(page, t("filter_theme", "zh")), tags(page, t("filter_partner", "zh"))
    assert len(theme_tags) == 1 and "生态文明建设" in theme_tags[0], theme_tags
    assert len(partner_tags) == 1 and "广东" in partner_tags[0], partner_tags
    assert tags(page, t("filter_topic", "zh")) == []
    expect(page.locator(".pp-url-notes")).to_have_count(0)
    ids = set(drawn_ids(frame))
    assert ids == expected_ids(ds, "ecology", filters.Filters(theme=("ecology",), partner=("440000",)))
    assert 0 < len(ids) < len(unfiltered)
    page.screenshot(path=screenshot_dir / "ecology_filtered.png", full_page=True)
    assert_clean(logs)


# 3, 4 ------------------------------------------------------------------------------------------------------


def test_click_feature_fills_panel(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs, screenshot_dir: Path
) -> None:
    frame = open_map(page, f"{app_server}/corridors", wait_for_map)
    expect(page.locator(".pp-panel[data-feature]")).to_have_count(0)  # the hint, no feature yet
    expect(page.locator(".pp-panel")).to_contain_text(t("panel_hint", "zh"))
    point = feature_point(frame, RAIL)
    frame.locator(".leaflet-container").click(position=point)  # a real mouse click on the drawn line
    expect_panel(page, ds, RAIL)
    expect(page.locator(".pp-panel h4")).to_have_text(ds.geo.features.at[RAIL, "name_zh"])
    page.wait_for_url(re.compile(rf"[?&]feature={RAIL}(&|$)"))
    page.screenshot(path=screenshot_dir / "corridors_panel.png", full_page=True)
    assert_clean(logs)


def test_feature_link_opens_panel(page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs) -> None:
    frame = open_map(page, f"{app_server}/corridors?feature={RAIL}", wait_for_map)
    expect_panel(page, ds, RAIL)
    assert frame.evaluate(JS_FEATURE_IN_VIEW, [RAIL, FEATURE_LAYERS]), "map not zoomed to show the feature"
    assert set(drawn_ids(frame)) == expected_ids(ds, "corridors")
    assert_clean(logs)


# 5 ---------------------------------------------------------------------------------------------------------


def test_page_switch_keeps_filters(page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs) -> None:
    open_map(page, f"{app_server}/ecology?partner=440000", wait_for_map)
    assert any("广东" in tag for tag in tags(page, t("filter_partner", "zh")))
    page.locator(f"{NAV_BAR} a").filter(has_text=t("page_corridors", "zh")).click()
    page.wait_for_url(re.compile(r"/corridors\?(.*&)?partner=440000(&|$)"))
    expect(page.locator("h1")).to_have_text(t("page_corridors", "zh"))
    partner = page.locator(f'{FILTER_BAR} [data-testid="stMultiSelect"]').filter(
        has=page.locator(f'input[aria-label="{t("filter_partner", "zh")}"]')
    )
    expect(partner.locator("[data-tag]")).to_have_count(1)
    expect(partner.locator("[data-tag]")).to_contain_text("广东")
    frame = wait_for_map(page)
    expected = expected_ids(ds, "corridors", filters.Filters(partner=("440000",)))
    frame.wait_for_function(f"() => ({JS_FEATURE_IDS})({json.dumps(FEATURE_LAYERS)}).length === {len(expected)}")
    assert set(drawn_ids(frame)) == expected
    assert_clean(logs)


# 6 ---------------------------------------------------------------------------------------------------------


def test_bad_query_shows_note(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs, screenshot_dir: Path
) -> None:
    url = f"{app_server}/corridors?theme=<script>alert(1)</script>&foo=bar&partner=" + "x" * 10000
    frame = open_map(page, url, wait_for_map)
    note = page.locator(".pp-url-notes")
    expect(note).to_be_visible()
    expect(note).to_contain_text("foo")
    expect(note).to_contain_text("<script>alert(1)</script>")  # shown as text
    assert len(note.inner_text()) < 1000, "the overlong value is echoed whole"
    expect(page.locator("h1")).to_have_text(t("page_corridors", "zh"))
    assert set(drawn_ids(frame)) == expected_ids(ds, "corridors")  # every bad value ignored
    page.screenshot(path=screenshot_dir / "bad_query.png", full_page=True)
    assert_clean(logs)


# 7 ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def injected_app(streamlit_server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A second server on a copy of the data whose rail_xiangpu name and measure titles are markup."""
    root = tmp_path_factory.mktemp("injected_data")
    shutil.copy(PROJECT_ROOT / "measures.csv", root / "measures.csv")
    shutil.copytree(PROJECT_ROOT / "geodata", root / "geodata")
    shutil.copytree(PROJECT_ROOT / "sources", root / "sources")

    with (root / "measures.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fieldnames, rows = reader.fieldnames, list(reader)
    changed = 0
    for row in rows:
        if RAIL in row["features"].split(";"):
            row["title_zh"] = row["title_en"] = MARKUP
            changed += 1
    assert changed
    with (root / "measures.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    path = root / "geodata" / "features.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    props = [feat["properties"] for feat in collection["features"] if feat["properties"]["id"] == RAIL]
    assert len(props) == 1
    props[0]["name_zh"] = props[0]["name_en"] = MARKUP
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")

    ds = data.load(root)  # the altered copy is still valid data: nothing is rejected
    assert ds.rejected.empty and ds.geo.features.at[RAIL, "name_zh"] == MARKUP
    return streamlit_server(PROJECT_ROOT / "app.py", env={"PANPRD_DATA_ROOT": str(root)})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markup_in_data_is_text(
    page: Page, injected_app: str, wait_for_map, logs: Logs, screenshot_dir: Path, lang: str
) -> None:
    suffix = "&lang=en" if lang == "en" else ""
    frame = open_map(page, f"{injected_app}/corridors?feature={RAIL}{suffix}", wait_for_map)
    panel = page.locator(f'.pp-panel[data-feature="{RAIL}"]')
    expect(panel.locator("h4")).to_have_text(MARKUP)
    expect(panel.locator(".pp-action")).to_have_count(1)
    expect(panel.locator(".pp-action")).to_contain_text(MARKUP)

    frame.locator(".leaflet-container").hover(position=feature_point(frame, RAIL))
    expect(frame.locator(".leaflet-tooltip").filter(has_text=MARKUP)).to_be_visible()

    for where in (page.main_frame, frame, *page.frames):
        assert where.locator('img[src="x"]').count() == 0, where.url
    assert not [url for url in logs.request_log if url.rstrip("/").endswith("/x")], "an injected <img> was fetched"
    if lang == "zh":
        page.screenshot(path=screenshot_dir / "injection.png", full_page=True)
    assert_clean(logs)


# A first click on a map partly below the fold (issue 20) ---------------------------------------------------

JS_CONTAINER_POINT = """([lat, lon]) => {
  const map = window.map_div || Object.values(window).find(v => v instanceof L.Map);
  const p = map.latLngToContainerPoint([lat, lon]);
  return {x: p.x, y: p.y};
}"""


def test_a_first_click_on_a_map_below_the_fold_opens_the_unit_under_the_pointer(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs
) -> None:
    """Leaflet focuses the map on mousedown; were the page to scroll to show it, the click would be taken
    lower than the pointer (Pingtan is a small island: 74 px lower is the sea)."""
    page.set_viewport_size({"width": 1440, "height": 900})
    frame = open_map(page, f"{app_server}/", wait_for_map)
    frame.wait_for_function("() => 'ppLabelsZoom' in document.querySelector('.leaflet-container').dataset")
    iframe = page.locator(ST_FOLIUM_IFRAME).bounding_box()
    assert iframe and iframe["y"] + iframe["height"] > 900, "the map is not partly below the fold"
    pingtan = ds.geo.admin.loc["350128"].geometry.representative_point()
    point = frame.evaluate(JS_CONTAINER_POINT, [pingtan.y, pingtan.x])
    x, y = iframe["x"] + point["x"], iframe["y"] + point["y"]
    assert 0 < y < 900, (x, y)
    scrolled = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop")
    page.mouse.click(x, y)  # the mouse at the pointer, no scrolling first (a locator click would scroll)
    expect(page.locator('.pp-panel[data-feature="350128"]')).to_be_visible(timeout=15_000)
    expect(page.locator(".pp-panel h4").first).to_contain_text("平潭综合实验区")
    assert page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop") == scrolled
    assert_clean(logs)


JS_STROKE = """(fid) => {
  const map = window.map_div || Object.values(window).find(v => v instanceof L.Map);
  let width = null;
  map.eachLayer(l => { if (l.feature && l.feature.properties.id === fid && l._path) width = l.options.weight; });
  return width;
}"""


def test_hovering_a_feature_names_it_and_thickens_it_until_the_pointer_leaves(
    page: Page, app_server: str, wait_for_map, ds: data.Dataset, logs: Logs
) -> None:
    """The tooltip and the hover highlight are bound once per layer (ppmap.js): each feature still names
    itself, and is drawn heavier only while the pointer is on it."""
    frame = open_map(page, app_server + PAGE_PATHS["corridors"], wait_for_map)
    container = frame.locator(".leaflet-container")
    tooltip = frame.locator(".leaflet-tooltip")
    resting = {fid: frame.evaluate(JS_STROKE, fid) for fid in (RAIL, "rail_ganlong")}
    for fid in (RAIL, "rail_ganlong"):
        name = ds.geo.features.loc[fid, "name_zh"]
        container.hover(position=feature_point(frame, fid))
        expect(tooltip).to_have_count(1)
        expect(tooltip).to_contain_text(name)
        assert frame.evaluate(JS_STROKE, fid) > resting[fid]
        page.mouse.move(5, 5)  # off the map
        expect(tooltip).to_have_count(0)
        assert frame.evaluate(JS_STROKE, fid) == resting[fid]
    assert_clean(logs)
