"""Presenting to a room: presenter mode at 1920×1080 steps through the themes and the agenda, and a
`?clause=` link (the provenance of every record) scrolls to and highlights its clause."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from panprd import pages, views, vocab

STEP_TITLE = ".pp-step-title"
THEMES = list(vocab.THEMES)


def in_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """sel => { const el = document.querySelector(sel); if (!el) return false;
                    const r = el.getBoundingClientRect();
                    return r.top >= 0 && r.top < window.innerHeight && r.height > 0; }""",
        selector,
    )


def test_presenter_mode_steps_through_the_themes(page: Page, app_server: str, screenshot_dir: Path,
                                                 external_requests: list[str],
                                                 page_errors: list[tuple[str, str]]) -> None:
    before, errors_before = len(external_requests), len(page_errors)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server}/measures?present=1&theme={THEMES[0]}")
    title = page.locator(STEP_TITLE)
    expect(title).to_have_text(vocab.THEMES[THEMES[0]].zh, timeout=60_000)
    expect(page.locator('section[data-testid="stSidebar"]')).to_be_hidden()  # the sidebar is hidden
    # readable from the back of the room: a large step title and large step buttons
    assert float(title.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 48
    nxt = page.locator("a.pp-step.pp-next")
    assert float(nxt.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 24
    expect(page.locator("span.pp-step.pp-prev")).to_have_attribute("aria-disabled", "true")  # first step
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # let the map paint
    page.screenshot(path=screenshot_dir / "presenter_1920.png")

    for theme in THEMES[1:3]:  # the Next button: a new URL and a new title
        page.locator("a.pp-step.pp-next").click()
        page.wait_for_url(re.compile(rf"/measures\?.*theme={theme}"), timeout=60_000)
        expect(title).to_have_text(vocab.THEMES[theme].zh, timeout=60_000)
        assert "present=1" in page.url
    expect(page.locator(".pp-step-pos")).to_contain_text("3 / 9")
    # the key listener comes with the page's script component, a moment after the title on a busy machine
    page.wait_for_function("() => document.__ppPresenterKeys === true", timeout=60_000)
    page.keyboard.press("ArrowLeft")  # a clicker's previous key
    page.wait_for_url(re.compile(rf"theme={THEMES[1]}"), timeout=60_000)
    expect(title).to_have_text(vocab.THEMES[THEMES[1]].zh, timeout=60_000)
    page.locator("a.pp-exit").click()  # back to the normal page, the filter kept
    page.wait_for_url(re.compile(rf"/measures\?theme={THEMES[1]}$"), timeout=60_000)
    expect(page.locator('section[data-testid="stSidebar"]')).to_be_visible(timeout=60_000)
    assert external_requests[before:] == [] and page_errors[errors_before:] == []


def test_presenter_mode_steps_through_the_agenda(page: Page, app_server: str, screenshot_dir: Path) -> None:
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server}/measures?partner=810000,820000&present=1")
    expect(page.locator(".pp-step-pos")).to_contain_text("议程 8 / 9", timeout=60_000)
    page.locator("a.pp-step.pp-next").click()
    page.wait_for_url(re.compile(r"/units\?present=1$"), timeout=60_000)
    expect(page.locator(STEP_TITLE)).to_have_text("责任分工：谁牵头什么", timeout=60_000)
    expect(page.locator("span.pp-step.pp-next")).to_have_attribute("aria-disabled", "true")  # last step
    page.screenshot(path=screenshot_dir / "presenter_units_1920.png")


def test_presenter_switch_in_the_sidebar(page: Page, app_server: str) -> None:
    page.goto(f"{app_server}/units?theme=economy")
    switch = page.locator('section[data-testid="stSidebar"] [data-testid="stCheckbox"]', has_text="演示模式")
    switch.wait_for(timeout=60_000)
    switch.locator("label").click()
    expect(page.locator(STEP_TITLE)).to_have_text("区域经济合作", timeout=60_000)
    page.wait_for_url(re.compile(r"present=1"), timeout=60_000)
    expect(page.locator('section[data-testid="stSidebar"]')).to_be_hidden()


def test_a_clause_link_scrolls_to_and_highlights_the_clause(page: Page, app_server: str, screenshot_dir: Path,
                                                             page_errors: list[tuple[str, str]]) -> None:
    errors_before = len(page_errors)
    page.goto(f"{app_server}/policy?clause=4.1")
    selected = page.locator("article.pp-clause-selected")
    expect(selected).to_have_count(1, timeout=60_000)
    expect(selected).to_have_attribute("id", "clause-4-1")
    page.wait_for_function(
        """() => { const el = document.querySelector('article.pp-clause-selected');
                   if (!el) return false; const r = el.getBoundingClientRect();
                   return r.top >= 0 && r.top < window.innerHeight / 2; }""",
        timeout=30_000,
    )
    assert in_viewport(page, "article.pp-clause-selected")
    assert not in_viewport(page, "#clause-2-1")  # it scrolled: the first clause is out of view
    assert page_errors[errors_before:] == []
    page.screenshot(path=screenshot_dir / "policy_clause_4_1.png")
    # its chips open the map of a feature and the explorer on the clause
    chip = selected.locator("a.pp-chip-feature").first
    assert chip.get_attribute("href").startswith("./corridors?feature=")
    selected.locator("a.pp-open").click()
    page.wait_for_url(re.compile(r"/measures\?clause=4\.1$"), timeout=60_000)
    expect(page.locator(".pp-clause-note")).to_be_visible(timeout=60_000)


def test_every_saved_view_fits_a_1920_by_1080_slide(page: Page, app_server: str, screenshot_dir: Path) -> None:
    """Each agenda item, as the room sees it: nothing below the fold, so nobody scrolls in a meeting."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    for i, step in enumerate(views.view_steps(views.load_views(), "zh"), start=1):
        page.goto(app_server + step.href.removeprefix("."))
        expect(page.locator(STEP_TITLE)).to_have_text(step.title_zh, timeout=60_000)
        if pages.BY_KEY[step.page].kind in ("map", "measures"):
            page.locator('iframe[title="streamlit_folium.st_folium"]').first.wait_for(timeout=60_000)
        page.wait_for_timeout(2500)  # let the page settle and the map paint
        overflow = page.evaluate("""() => { const m = document.querySelector('[data-testid="stMain"]');
                                            return [m.scrollHeight - m.clientHeight, m.scrollWidth - m.clientWidth,
                                                    document.documentElement.scrollHeight - innerHeight]; }""")
        page.screenshot(path=screenshot_dir / f"presenter_view_{i}_{step.page}.png")
        assert max(overflow) <= 1, (step.href, overflow)
