"""Issue 22: the analyst's and the presenter's journeys with the keyboard alone (Playwright's keyboard, no mouse),
each stop showing a visible focus ring.

Analyst: choose a theme and a partner in the sidebar, open the explorer, download the CSV; and from a map's
"本图要素" list open a feature. Presenter: step through the views with Tab and Enter, and the clicker's keys.
Larger type: the sidebar switch by keyboard, kept in the URL (size=large) across a page link.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from panprd import vocab
from panprd.i18n import t

TIMEOUT = 60_000
MAX_TABS = 150
# The focused element (or, for Streamlit's composite widgets, a near ancestor) draws a ring: an outline of at
# least 2 px or a box shadow. Returns [accessible name, ring found].
JS_FOCUS = """() => {
  const focused = document.activeElement;
  const name = focused.getAttribute('aria-label') || (focused.innerText || focused.value || '').trim().slice(0, 40);
  for (let e = focused, i = 0; e && i < 4; e = e.parentElement, i++) {
    const cs = getComputedStyle(e);
    const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none';
    if (ring) return [name, true];
  }
  return [name, false];
}"""


def tab_to(page: Page, name: str | re.Pattern[str], backwards: bool = False) -> None:
    """Press Tab (Shift+Tab) until the focused element's name is `name`; it must show a focus ring."""
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           ".getAttribute('data-test-script-state') === 'notRunning'", timeout=TIMEOUT)
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused, ring = page.evaluate(JS_FOCUS)
        seen.append(focused)
        if (name.search(focused) if isinstance(name, re.Pattern) else focused == name):
            assert ring, f"no visible focus ring on {focused!r}"
            return
    raise AssertionError(f"{name!r} not reached in {MAX_TABS} tabs: {seen[:40]}")


def choose(page: Page, label: str, option: str) -> None:
    """In the focused multiselect, type the option's start and take it with Enter."""
    page.keyboard.type(option[:2])
    page.get_by_role("option", name=re.compile(re.escape(option))).first.wait_for(timeout=TIMEOUT)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_analyst_journey_by_keyboard(page: Page, app_server: str, tmp_path) -> None:
    page.goto(app_server + "/")
    page.locator(".pp-legend").wait_for(timeout=TIMEOUT)
    expect(page.get_by_role("combobox", name="主题")).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)  # the sidebar's opening transition
    tab_to(page, "主题")
    choose(page, "主题", vocab.THEMES["infrastructure"].zh)
    page.wait_for_url(re.compile(r"theme=infrastructure"), timeout=TIMEOUT)
    tab_to(page, "合作省区")
    choose(page, "合作省区", vocab.PARTNERS["440000"].zh)
    page.wait_for_url(re.compile(r"partner=440000"), timeout=TIMEOUT)
    tab_to(page, "措施浏览", backwards=True)  # the page links sit above the filters
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/measures\?.*theme=infrastructure.*partner=440000|/measures\?.*partner=440000"
                                 r".*theme=infrastructure"), timeout=TIMEOUT)
    expect(page.locator(".pp-rowcount")).to_be_visible(timeout=TIMEOUT)
    tab_to(page, re.compile(re.escape(t("download_csv", "zh")) + "$"))  # after its icon's name
    with page.expect_download(timeout=TIMEOUT) as download:
        page.keyboard.press("Enter")
    saved = tmp_path / "measures.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("measure_id,") and "infrastructure" in text and "440000" in text
    assert "theme-infrastructure" in download.value.suggested_filename


def test_on_this_map_list_opens_a_feature_by_keyboard(page: Page, app_server: str) -> None:
    page.goto(app_server + "/ecology?lang=en")
    page.locator(".pp-legend").wait_for(timeout=TIMEOUT)
    tab_to(page, re.compile(r"On this map \(\d+\)"))
    page.keyboard.press("Enter")
    link = page.locator(".pp-map-list a").first
    expect(link).to_be_visible(timeout=TIMEOUT)
    key, name = link.get_attribute("data-key"), link.inner_text()
    tab_to(page, name)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"feature={re.escape(key)}"), timeout=TIMEOUT)
    expect(page.locator(f'.pp-panel[data-feature="{key}"]')).to_be_visible(timeout=TIMEOUT)


def test_presenter_journey_by_keyboard(page: Page, app_server: str) -> None:
    themes = list(vocab.THEMES)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server}/?present=1&theme={themes[0]}")
    title = page.locator(".pp-step-title")
    expect(title).to_have_text(vocab.THEMES[themes[0]].zh, timeout=TIMEOUT)
    tab_to(page, t("presenter_next", "zh"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"theme={themes[1]}"), timeout=TIMEOUT)
    expect(title).to_have_text(vocab.THEMES[themes[1]].zh, timeout=TIMEOUT)
    page.wait_for_function("() => document.__ppPresenterKeys === true", timeout=TIMEOUT)
    page.keyboard.press("PageDown")  # a clicker's next key
    page.wait_for_url(re.compile(rf"theme={themes[2]}"), timeout=TIMEOUT)
    expect(title).to_have_text(vocab.THEMES[themes[2]].zh, timeout=TIMEOUT)
    tab_to(page, t("presenter_prev", "zh"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"theme={themes[1]}"), timeout=TIMEOUT)
    expect(title).to_have_text(vocab.THEMES[themes[1]].zh, timeout=TIMEOUT)


def test_larger_type_by_keyboard_is_kept_in_the_url(page: Page, app_server: str) -> None:
    page.goto(app_server + "/units?lang=en")
    page.locator("a.pp-unit").first.wait_for(timeout=TIMEOUT)
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    expect(page.get_by_role("switch", name=t("large_type", "en"))).to_be_visible(timeout=TIMEOUT)
    page.wait_for_timeout(500)  # the sidebar's opening transition (its contents are skipped by Tab until it ends)
    tab_to(page, t("large_type", "en"))
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"size=large"), timeout=TIMEOUT)
    page.wait_for_function(f"() => parseFloat(getComputedStyle(document.documentElement).fontSize) > {before}",
                           timeout=TIMEOUT)
    tab_to(page, "Policy text")  # a page link (the bar at the top of the main area, after the sidebar) carries it
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/policy\?.*size=large"), timeout=TIMEOUT)
    page.locator("article.pp-clause").first.wait_for(timeout=TIMEOUT)
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= before * 1.2
