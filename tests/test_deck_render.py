"""The meeting deck as a meeting-room PC shows it: converted by LibreOffice Impress (headless) to PDF and
rendered page by page with pdftoppm (Debian's libreoffice-impress and poppler-utils; `make browser-deps`
installs them). The pages land in test-output/deck/ to be looked at."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from panprd import deck, filters, ledger_view, views

SOFFICE, PDFTOPPM, PDFINFO, PDFFONTS = "/usr/bin/soffice", "/usr/bin/pdftoppm", "/usr/bin/pdfinfo", "/usr/bin/pdffonts"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "deck"


@pytest.fixture(scope="module")
def rendered(ds, tmp_path_factory) -> tuple[int, Path, list[Path]]:
    """(slides, the PDF, the page PNGs) of the saved views' deck."""
    for tool in (SOFFICE, PDFTOPPM, PDFINFO, PDFFONTS):
        if not Path(tool).exists():
            pytest.fail(f"{tool} missing: run `make browser-deps` (libreoffice-impress, poppler-utils)")
    tracked = replace(ds, measures=ledger_view.with_statuses(ds.measures, ledger_view.unread(ds.measures).states))
    saved = views.load_views()
    plan = deck.agenda(filters.ViewState(saved[0].page), saved)
    made = deck.build(tracked, plan, "zh", "泛珠三角区域合作联席会议", date(2026, 12, 6), "http://127.0.0.1:8501")
    work = tmp_path_factory.mktemp("deck-render")
    pptx = work / "deck.pptx"
    pptx.write_bytes(made.pptx)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(pptx)], check=True, capture_output=True, timeout=240)
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT)
    OUTPUT.mkdir(parents=True)
    subprocess.run([PDFTOPPM, "-r", "80", "-png", str(work / "deck.pdf"), str(OUTPUT / "page")], check=True,
                   timeout=240)
    return made.slides, work / "deck.pdf", sorted(OUTPUT.glob("page-*.png"))


def test_libreoffice_shows_a_page_per_slide_and_the_pages_are_drawn(rendered):
    slides, pdf, pngs = rendered
    info = subprocess.run([PDFINFO, str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages == slides == len(pngs)
    for png in (pngs[1], pngs[-1]):  # the first map slide, the closing slide
        with Image.open(png) as image:
            grey = image.convert("L")
            assert ImageStat.Stat(grey).stddev[0] > 10, png  # not one colour
            assert image.width / image.height == pytest.approx(16 / 9, abs=0.01)
    with Image.open(pngs[1]) as image:  # the map slide: a large share of the page is not white
        inked = sum(count for value, count in enumerate(image.convert("L").histogram()) if value < 240)
        assert inked > 0.3 * image.width * image.height


def test_the_chinese_text_is_set_in_a_cjk_font(rendered):
    """LibreOffice substitutes for 微软雅黑 here; the PDF must use a font with Chinese glyphs, not boxes."""
    _, pdf, _ = rendered
    fonts = subprocess.run([PDFFONTS, str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "WenQuanYi" in fonts or "Droid" in fonts, fonts

