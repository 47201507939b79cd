"""The meeting deck through the real button in presenter mode: type the meeting title, make the deck,
download it, open it with python-pptx."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import Page
from pptx import Presentation

from panprd import views

TITLE = "2026年泛珠三角区域合作联席会议"


def test_the_presenter_downloads_the_deck_of_the_agenda(page: Page, app_server: str, tmp_path: Path,
                                                       external_requests: list[str],
                                                       page_errors: list[tuple[str, str]],
                                                       screenshot_dir: Path) -> None:
    before, errors_before = len(external_requests), len(page_errors)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_server}/corridors?partner=440000&present=1")
    menu = page.locator('[data-testid="stPopover"] button', has_text="议程")  # the agenda, and its deck
    menu.wait_for(timeout=60_000)
    menu.click()
    title = page.locator('input[aria-label="会议名称（封面标题）"]')
    title.fill(TITLE)
    title.press("Enter")
    page.get_by_role("button", name="生成汇报材料 (PPTX)").click()
    button = page.locator('[data-testid="stDownloadButton"] button', has_text="汇报材料 (PPTX)")
    button.wait_for(timeout=120_000)
    page.screenshot(path=screenshot_dir / "presenter_deck_menu.png")
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename.startswith("泛珠合作汇报_") and download.suggested_filename.endswith(".pptx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    prs = Presentation(io.BytesIO(target.read_bytes()))
    saved = views.load_views()
    titles = [next(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in prs.slides]
    assert TITLE in [s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame]
    assert [v.title_zh for v in saved] == [x for x in titles[1:-1] if "（续" not in x]
    assert f"{app_server}/corridors?partner=440000&present=1" in "\n".join(
        s.text_frame.text for s in prs.slides[-1].shapes if s.has_text_frame)
    assert external_requests[before:] == [] and page_errors[errors_before:] == []
