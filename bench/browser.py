"""Headless Chromium measurements: cold start to a painted map, filter change to a repainted map.

Painted = an st_folium iframe whose document has `.leaflet-container path.leaflet-interactive`.
A filter change either mounts a new iframe (the naive map, and ours before issue 13: streamlit-folium
keys the component by the map's script) or redraws the view in the iframe already there (ours now:
ppView counts its views in the map container's `data-pp-views`). So before each change the current
iframes are marked with their view count, and the change is done when an unmarked iframe is painted or
a marked one has drawn a further view and has paths. Both ends are taken in the page's own clock: the
`pointerdown` of the real click on the multiselect (capture listener) and the animation frame in which
the new map first has its paths. The bytes the page receives over Streamlit's websocket are counted
with CDP `Network.webSocketFrameReceived`; the map's static files (`/app/static/mapdata/`) with CDP's
`Network.dataReceived` (bytes after decompression) and `Network.loadingFinished` (bytes on the wire,
headers included: a 304 or a cache hit costs its headers or nothing).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench import server as srv

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-quic", "--no-first-run", "--disable-sync"]
IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PAINT_TIMEOUT_MS = 300_000
CHANGE_TIMEOUT_MS = 90_000

_VIEWS = "(d => {const c = d && d.querySelector('.leaflet-container'); return Number(c && c.dataset.ppViews || 0);})"
_MARK_OLD = f"""() => {{
  for (const f of document.querySelectorAll('{IFRAME}')) {{
    f.dataset.benchOld = '1';
    f.dataset.benchViews = String({_VIEWS}(f.contentDocument));
  }}
  window.__benchT0 = null;
}}"""
# Resolves (in the page) with [time, painted path count] once an unmarked iframe shows its map, or a marked
# one has drawn a further view.
_NEW_PAINTED = f"""() => {{
  for (const f of document.querySelectorAll('{IFRAME}')) {{
    const doc = f.contentDocument;
    if (f.dataset.benchOld && {_VIEWS}(doc) <= Number(f.dataset.benchViews)) continue;
    const n = doc ? doc.querySelectorAll('.leaflet-container path.leaflet-interactive').length : 0;
    if (n > 0) return [performance.now(), n];
  }}
  return false;
}}"""
_LISTEN = """() => {
  if (window.__benchListening) return;
  window.__benchListening = true;
  window.__benchT0 = null;
  document.addEventListener('pointerdown', () => {
    if (window.__benchT0 === null) window.__benchT0 = performance.now();
  }, {capture: true});
}"""


@dataclass
class PageRun:
    """One page in one browser context, with its websocket byte counter."""

    page: Page
    ws_bytes: int = 0
    ws_frames: int = 0
    largest_frame: int = 0
    map_file_bytes: int = 0  # the map's static files, after decompression
    map_file_wire: int = 0  # the same on the wire, headers included
    errors: list[str] = field(default_factory=list)
    _map_requests: set[str] = field(default_factory=set)

    def on_response(self, params: dict) -> None:
        if "/app/static/mapdata/" in params.get("response", {}).get("url", ""):
            self._map_requests.add(params["requestId"])

    def on_data(self, params: dict) -> None:
        if params.get("requestId") in self._map_requests:
            self.map_file_bytes += params.get("dataLength", 0)

    def on_finished(self, params: dict) -> None:
        if params.get("requestId") in self._map_requests:
            self.map_file_wire += int(params.get("encodedDataLength", 0))

    def on_frame(self, params: dict) -> None:
        response = params.get("response", {})
        payload = response.get("payloadData", "")
        size = len(base64.b64decode(payload)) if response.get("opcode") == 2 else len(payload.encode())
        self.ws_bytes += size
        self.ws_frames += 1
        self.largest_frame = max(self.largest_frame, size)


def launch(pw: Playwright) -> Browser:
    """Headless Debian Chromium with the flags of tests/browser/conftest.py."""
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def open_page(browser: Browser, context: BrowserContext | None = None) -> PageRun:
    """A page, in a fresh context or in `context` (whose cache it shares), with CDP byte counting on."""
    context = context or browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    run = PageRun(page)
    cdp = context.new_cdp_session(page)
    cdp.on("Network.webSocketFrameReceived", run.on_frame)
    cdp.on("Network.responseReceived", run.on_response)
    cdp.on("Network.dataReceived", run.on_data)
    cdp.on("Network.loadingFinished", run.on_finished)
    cdp.send("Network.enable")
    page.on("pageerror", lambda err: run.errors.append(str(err)))
    return run


def cold_start(browser: Browser, server: srv.Server, path: str = "/") -> tuple[PageRun, dict[str, float]]:
    """From the server's process start (already launched, not waited for) to the map painted."""
    srv.wait_healthy(server, interval=0.05)
    healthy_at = time.monotonic()
    run = open_page(browser)
    run.page.goto(server.base_url + path, wait_until="commit", timeout=PAINT_TIMEOUT_MS)
    run.page.wait_for_function(_NEW_PAINTED, polling="raf", timeout=PAINT_TIMEOUT_MS)
    painted_at = time.monotonic()
    return run, {
        "cold_start_s": painted_at - server.started_at,
        "server_ready_s": healthy_at - server.started_at,
        "first_paint_s": painted_at - healthy_at,
        "ws_bytes": run.ws_bytes,
        "largest_ws_frame": run.largest_frame,
        "map_file_bytes": run.map_file_bytes,
        "map_file_wire": run.map_file_wire,
    }


def second_visit(browser: Browser, first: PageRun, path: str = "/") -> dict[str, float]:
    """The same page opened again in the first visit's browser context (its cache): what is transferred
    until the map is painted."""
    run = open_page(browser, first.page.context)
    base_url = first.page.url.split("/", 3)
    run.page.goto(f"{base_url[0]}//{base_url[2]}{path}", wait_until="commit", timeout=PAINT_TIMEOUT_MS)
    run.page.wait_for_function(_NEW_PAINTED, polling="raf", timeout=PAINT_TIMEOUT_MS)
    figures = {"ws_bytes": run.ws_bytes, "map_file_bytes": run.map_file_bytes, "map_file_wire": run.map_file_wire}
    run.page.close()
    return figures


def new_visitor(browser: Browser, server: srv.Server, path: str = "/") -> dict[str, float]:
    """A new visitor of a server that has served others (a fresh browser context, nothing cached): seconds
    from navigation to the map painted."""
    run = open_page(browser)
    start = time.monotonic()
    run.page.goto(server.base_url + path, wait_until="commit", timeout=PAINT_TIMEOUT_MS)
    run.page.wait_for_function(_NEW_PAINTED, polling="raf", timeout=PAINT_TIMEOUT_MS)
    figures = {"seconds": time.monotonic() - start, "ws_bytes": run.ws_bytes}
    run.page.context.close()
    return figures


def _multiselect(page: Page) -> Locator:
    """The first multiselect of the page: the theme filter in the app's sidebar and in the naive page."""
    return page.locator('[data-testid="stMultiSelect"]').first


def _timed_change(run: PageRun, act: Callable[[], None]) -> tuple[float, int, int]:
    """Do `act` (a real click); return (ms from its pointerdown to the new map painted, paths, ws bytes)."""
    page = run.page
    before = run.ws_bytes
    page.evaluate(_MARK_OLD)
    act()
    done = page.wait_for_function(_NEW_PAINTED, polling="raf", timeout=CHANGE_TIMEOUT_MS).json_value()
    t0 = page.evaluate("window.__benchT0")
    if t0 is None:
        raise RuntimeError("the change was not started by a pointer event")
    return done[0] - t0, int(done[1]), run.ws_bytes - before


def _idle(page: Page) -> None:
    """Wait until the app's script is not running (Streamlit's status widget gone); not timed."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=CHANGE_TIMEOUT_MS)


def _add_theme(run: PageRun, nth: int) -> tuple[float, int, int]:
    """Open the theme multiselect (not timed) and click its nth theme option (timed)."""
    page = run.page
    _multiselect(page).locator("input").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=CHANGE_TIMEOUT_MS)
    picks = [k for k, text in enumerate(options.all_inner_texts()) if not text.lower().startswith("select all")]
    target = options.nth(picks[nth % len(picks)])
    try:
        return _timed_change(run, target.click)
    finally:
        # close the dropdown by clicking outside it, as a reader does (not timed). After Escape the input keeps
        # the focus, and in the filter bar's column the chips stay scrolled: the next click on a chip's × was lost
        page.mouse.click(5, 5)


def _remove_theme(run: PageRun) -> tuple[float, int, int]:
    """Click the remove button of the selected theme (timed)."""
    return _timed_change(run, _multiselect(run.page).locator('button[aria-label^="Remove"]').first.click)


def filter_changes(run: PageRun, changes: int = 30, screenshot_dir: Path | None = None) -> list[dict[str, float]]:
    """Alternately add a theme to the theme filter and remove it again: `changes` timed changes.

    A change whose map does not repaint within CHANGE_TIMEOUT_MS is recorded with `ms` None (and a
    screenshot); the page is then reloaded without a filter and the series goes on with an add.
    """
    page = run.page
    base_url = page.url.split("?", 1)[0]
    results: list[dict[str, float]] = []
    i = 0
    while i < changes:
        page.evaluate(_LISTEN)
        try:
            _idle(page)
            ms, paths, ws = _add_theme(run, i // 2) if i % 2 == 0 else _remove_theme(run)
            results.append({"ms": ms, "paths": paths, "ws_bytes": ws})
            i += 1
        except PlaywrightTimeoutError as exc:
            results.append({"ms": None, "paths": 0, "ws_bytes": 0, "error": str(exc).splitlines()[0]})
            if screenshot_dir is not None:
                page.screenshot(path=screenshot_dir / f"timeout-{int(time.time())}.png")
            i += 1 + (i % 2 == 0)  # skip the remove that belonged to a failed add
            page.goto(base_url, wait_until="commit", timeout=PAINT_TIMEOUT_MS)
            page.evaluate(_MARK_OLD)
            page.wait_for_function(_NEW_PAINTED, polling="raf", timeout=PAINT_TIMEOUT_MS)
    return results
