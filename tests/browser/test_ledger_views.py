"""Statuses in a real browser, from a seeded ledger (issue 14, outside /tracking): a confirmed completion
shows its light on the map (the feature's dot, the Fujian unit's ring) and on the units matrix, and the
CSV from the real download button carries the status but no note for a viewer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from ledger_seed import COMPLETED, RED, seed
from playwright.sync_api import Page

from panprd import ledger_view

GREEN, RED_COLOUR = ledger_view.LIGHT_COLOURS["green"], ledger_view.LIGHT_COLOURS["red"]
NOTE = "不得外传的进展说明"


@pytest.fixture(scope="module")
def ledger_server(streamlit_server, tmp_path_factory) -> str:
    url = seed(tmp_path_factory.mktemp("browser-ledger") / "tracking.db", NOTE)
    return streamlit_server(Path(__file__).resolve().parents[2] / "app.py", env={"PANPRD_DB_URL": url})


def test_a_confirmed_action_shows_its_light_on_the_map(page: Page, ledger_server: str, wait_for_map,
                                                       screenshot_dir: Path) -> None:
    page.goto(f"{ledger_server}/corridors?feature=rail_xiangpu")
    frame = wait_for_map(page, timeout_ms=60_000)
    frame.locator("path.pp-light-dot").first.wait_for(state="attached", timeout=30_000)
    lights = frame.evaluate("""() => { const out = {dots: {}, rings: {}};
        const map = window.map_div || Object.values(window).find(v => v instanceof L.Map);
        map.eachLayer(l => { const p = l.feature && l.feature.properties; if (!p || !p.light) return;
            const cls = l.options.className || '';
            if (cls.includes('pp-light-dot')) out.dots[p.id] = l.options.fillColor;
            if (cls.includes('pp-light-ring')) out.rings[p.id] = l.options.color; });
        return out; }""")
    assert lights["dots"]["rail_xiangpu"] == GREEN  # 4.1.17, confirmed completed
    assert lights["dots"]["rail_pumei_jianning_guanzhishan"] == RED_COLOUR  # 4.1.02, past due
    assert lights["rings"]["350300"] == GREEN and lights["rings"]["350800"] == RED_COLOUR  # Putian, Longyan
    panel = page.locator(f'.pp-panel li[data-measure="{COMPLETED}"] .pp-status')
    assert panel.get_attribute("data-light") == "green" and "已完成" in panel.inner_text()
    for width in (1400, 1920):
        page.set_viewport_size({"width": width, "height": 1080})
        page.wait_for_timeout(800)
        page.screenshot(path=screenshot_dir / f"ledger_corridors_{width}.png")


def test_the_units_matrix_shows_the_completion(page: Page, ledger_server: str, screenshot_dir: Path) -> None:
    page.goto(f"{ledger_server}/units")
    cell = page.locator('tr[data-unit="省发改委"] td.pp-progress')
    cell.wait_for(timeout=60_000)
    assert cell.get_attribute("data-completed") == "1" and cell.inner_text().startswith("1 / ")
    assert page.locator('tr[data-unit="省发改委"] td.pp-red-on').inner_text() == "1"
    page.screenshot(path=screenshot_dir / "ledger_units_1400.png")


def test_the_viewers_csv_has_the_status_and_no_note(page: Page, ledger_server: str, tmp_path: Path,
                                                    screenshot_dir: Path) -> None:
    page.goto(f"{ledger_server}/measures?status=completed,on_schedule")
    button = page.locator('[data-testid="stDownloadButton"] button', has_text="CSV 表格")
    button.wait_for(timeout=60_000)
    page.screenshot(path=screenshot_dir / "ledger_measures_status_1400.png", full_page=True)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert info.value.suggested_filename.startswith("measures_status-completed")  # named after the filter
    raw = target.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert {r["measure_id"]: (r["status"], r["light"]) for r in rows} == {
        COMPLETED: ("completed", "green"), RED: ("on_schedule", "red")}
    assert "note" not in rows[0] and "evidence" not in rows[0]
    assert NOTE.encode() not in raw
