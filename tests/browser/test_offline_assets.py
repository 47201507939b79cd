"""The map paints from the app's own static files and nothing is fetched from another host."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

DEMO_APP = Path(__file__).with_name("demo_app.py")


@pytest.fixture(scope="module")
def demo_url(streamlit_server: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo app, run from a temp copy: Streamlit serves the ``static/`` next to the script."""
    app = tmp_path_factory.mktemp("offline_demo") / "demo_app.py"
    shutil.copy(DEMO_APP, app)
    return streamlit_server(app, "--server.enableStaticServing", "true")


def test_map_paints_offline(
    page: Page,
    demo_url: str,
    wait_for_map: Callable[..., Frame],
    request_log: list[str],
    external_requests: list[str],
    page_errors: list[tuple[str, str]],
    screenshot_dir: Path,
) -> None:
    external_before, errors_before = len(external_requests), len(page_errors)
    page.goto(demo_url)
    try:
        frame = wait_for_map(page)
    except PlaywrightTimeoutError:
        pytest.fail(f"map did not paint; external requests: {external_requests[external_before:]}")

    assert frame.locator("path.leaflet-interactive").count() >= 3  # polygon, circle, line
    assert frame.evaluate("L.version") == "1.9.3"
    assert frame.locator(".leaflet-control-scale").count() == 1
    assert frame.locator("#demo-legend").is_visible()
    # LayerControl's icon comes from leaflet.css -> images/layers.png, served locally with 200.
    frame.wait_for_function(
        "performance.getEntriesByType('resource').some(e => e.name.endsWith('/images/layers.png'))"
    )
    statuses = frame.evaluate(
        "performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/app/static/')).map(e => [e.name, e.responseStatus])"
    )
    assert statuses and all(status == 200 for _, status in statuses), statuses
    # folium.Popup's `$(...)` works through the shim (no jQuery, no error).
    popups = frame.evaluate(
        """() => Object.values(map_div._layers)
            .filter(l => l instanceof L.CircleMarker && l.getPopup())
            .map(l => { l.openPopup(); return l.getPopup().getElement().innerText; })"""
    )
    assert any("福州 popup" in text for text in popups), popups
    page.screenshot(path=screenshot_dir / "offline_demo.png")

    assert any("/app/static/vendor/leaflet/leaflet.js" in url for url in request_log)
    assert external_requests[external_before:] == []
    assert page_errors[errors_before:] == []
