"""The warm start (issue 23): `serve.py`, what `make run` serves, builds the first visit's map before its health
check answers, so the first visitor of a new process is served from the cache, and the map's component (whose
module the warm start imports outside a script run) is still served to the browser."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from panprd import data
from panprd.i18n import t
from tests.browser.test_map_pages import drawn_ids, expected_ids, open_map

ROOT = Path(__file__).resolve().parents[2]


def test_the_first_visitor_of_a_new_process_gets_the_warm_map(page: Page, streamlit_server, wait_for_map,
                                                              ds: data.Dataset, tmp_path_factory) -> None:
    stats = tmp_path_factory.mktemp("warm") / "cache.json"
    base = streamlit_server(ROOT / "serve.py", env={"PANPRD_CACHE_STATS": str(stats),
                                                    "PANPRD_TEST_SERVER": "warm-start"})
    frame = open_map(page, base + "/", wait_for_map)
    expect(page.locator("h1")).to_have_text(t("page_overview", "zh"))
    assert set(drawn_ids(frame)) == expected_ids(ds, "overview")
    counters = json.loads(stats.read_text())["maps"]
    assert counters.get("misses", 0) == 2 and counters.get("hits", 0) >= 1, counters  # the two warm builds, then hits
