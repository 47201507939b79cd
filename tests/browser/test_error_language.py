"""A colleague saves measures.csv from Excel on Chinese Windows (GBK): the page says what is wrong, where
and how to fix it, in the page's language (issue 24)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.test_messages import _copy, _measures_gbk

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SAYS = {"zh": ("数据文件无法使用", "measures.csv 第 2 行：不是 UTF-8 编码（第", "请另存为“CSV UTF-8（逗号分隔）”"),
        "en": ("The data files cannot be used", "measures.csv, row 2: not UTF-8 (byte",
               "save it as 'CSV UTF-8 (comma delimited)'")}


@pytest.fixture(scope="module")
def gbk_app(streamlit_server, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = _copy(tmp_path_factory.mktemp("gbk_browser"))
    _measures_gbk(root)
    return streamlit_server(PROJECT_ROOT / "app.py", env={"PANPRD_DATA_ROOT": str(root)})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_gbk_save_is_explained_in_the_page_language(page: Page, gbk_app: str, screenshot_dir: Path,
                                                      lang: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{gbk_app}/?lang={lang}")
    for words in SAYS[lang]:
        expect(page.get_by_text(words, exact=False).first).to_be_visible(timeout=30_000)
    other = SAYS["en" if lang == "zh" else "zh"]
    body = page.locator("body").inner_text()
    assert not any(words in body for words in other), body[:500]
    page.screenshot(path=screenshot_dir / f"data_error_gbk_{lang}.png", full_page=True)
