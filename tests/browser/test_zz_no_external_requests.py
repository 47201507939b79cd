"""Runs last (conftest moves it to the end of the session): no browser test made a request to another
host and no JS dialog fired. The recording itself is checked too, so a broken listener cannot pass."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

PROBE_URL = "http://192.0.2.1/panprd-probe.png"  # TEST-NET-1 (RFC 5737); the route below aborts it


def test_no_request_left_the_machine(
    request: pytest.FixtureRequest,
    page: Page,
    external_requests: list[str],
    dialogs: list[tuple[str, str, str]],
    all_requests: list[str],
    page_tests: list[str],
) -> None:
    assert request.session.items[-1] is request.node, "this check must be the last test of the session"
    if not page_tests:
        pytest.skip("no other browser test ran in this session; run the whole tests/browser directory")
    seen, external, fired = list(all_requests), list(external_requests), list(dialogs)

    # The listener saw the other tests' traffic, iframes included (Leaflet is loaded by the st_folium iframe).
    assert len(seen) > 0, f"{len(page_tests)} browser tests ran but no request was recorded"
    assert any("/app/static/vendor/leaflet/leaflet.js" in url for url in seen), "iframe requests not recorded"
    assert external == [], f"requests left the machine: {sorted(set(external))[:20]}"
    assert fired == [], f"JS dialogs fired: {fired[:10]}"

    # Positive control: an off-host request from inside an iframe lands in external_requests (aborted, so
    # nothing leaves), then is taken out of the log again.
    page.context.route(PROBE_URL, lambda route: route.abort())
    try:
        with page.context.expect_event("request", lambda req: req.url == PROBE_URL, timeout=10_000):
            page.set_content(f'<iframe srcdoc="<img src=&quot;{PROBE_URL}&quot;>"></iframe>')
        assert PROBE_URL in external_requests, "the request listener does not record off-host requests"
    finally:
        while PROBE_URL in external_requests:
            external_requests.remove(PROBE_URL)
