"""Downloads from the measures explorer through the real buttons: what the analyst sees is what they get."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Page

from panprd import data, export, filters, ledger_view, vocab

QUERY = "theme=ecology&partner=440000"
CURRENT = filters.Filters(theme=("ecology",), partner=("440000",))
LABELS = {"csv": "CSV 表格", "xlsx": "Excel 工作簿", "geojson": "GeoJSON 地图要素", "png": "地图图片 PNG（幻灯片用）"}


@pytest.fixture(scope="module")
def expected(ds):
    return filters.apply(ds.measures, CURRENT)


def click_downloads(page: Page, app_server: str, folder: Path) -> dict[str, tuple[str, bytes]]:
    """Open the explorer with the filters and click each download button: {extension: (file name, bytes)}."""
    page.goto(f"{app_server}/measures?{QUERY}")
    page.locator('[data-testid="stDownloadButton"] button').nth(3).wait_for(timeout=60_000)
    out: dict[str, tuple[str, bytes]] = {}
    for extension, label in LABELS.items():
        with page.expect_download(timeout=60_000) as info:
            page.locator('[data-testid="stDownloadButton"] button', has_text=label).click()
        download = info.value
        target = folder / download.suggested_filename
        download.save_as(target)
        out[extension] = (download.suggested_filename, target.read_bytes())
    assert page.locator("h1").first.inner_text() == "措施浏览"  # still on the page: no error
    return out


def test_each_download_is_the_rows_shown(page: Page, app_server: str, tmp_path: Path, ds, expected,
                                         external_requests: list[str], page_errors: list[tuple[str, str]],
                                         screenshot_dir: Path) -> None:
    before, errors_before = len(external_requests), len(page_errors)
    downloads = click_downloads(page, app_server, tmp_path)
    page.screenshot(path=screenshot_dir / "measures_ecology_440000.png", full_page=True)
    assert external_requests[before:] == [] and page_errors[errors_before:] == []
    check_file_names(downloads)
    check_csv(downloads, ds, expected)
    check_xlsx(downloads, expected)
    check_geojson(downloads, expected)
    check_png(downloads, screenshot_dir)


def check_file_names(downloads):
    today = datetime.now()
    for extension, (name, _) in downloads.items():
        assert name == export.file_name(CURRENT, extension, today), name
        assert name.startswith("measures_theme-ecology_partner-440000_")


def check_csv(downloads, ds, expected):
    _, raw = downloads["csv"]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [c for c in rows[0] if c in vocab.MEASURE_COLUMNS] == list(vocab.MEASURE_COLUMNS)
    assert "theme_name" in rows[0] and "places_names" in rows[0]
    assert [r[0] for r in rows[1:]] == list(expected.index)
    # the session's ledger is empty: every row has no report, under its default lead unit
    assert raw == export.to_csv(ds, ledger_view.with_statuses(expected, ledger_view.unread(expected).states), "zh")


def check_xlsx(downloads, expected):
    _, raw = downloads["xlsx"]
    book = load_workbook(io.BytesIO(raw))
    assert book.sheetnames == ["measures", "about", "lead_units", "台账"]
    assert [r[0] for r in list(book["measures"].values)[1:]] == list(expected.index)
    sheet = book["measures"]
    header = [c.value for c in sheet[1]]
    places = sheet.cell(row=2, column=header.index("places") + 1)
    partners = sheet.cell(row=2, column=header.index("partners") + 1)
    assert {places.data_type, partners.data_type} <= {"s", "inlineStr"}  # codes stay text, never numbers
    assert partners.value == ";".join(expected.iloc[0]["partners"])
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1")
    about = dict(list(book["about"].values)[1:])
    assert about["筛选条件"] == "theme=ecology; partner=440000"
    assert about["措施数"] == str(len(expected))
    assert about["数据版本"] == data.load().version
    assert "撇号" in about["防公式注入"]


def check_geojson(downloads, expected):
    _, raw = downloads["geojson"]
    assert "crs" not in json.loads(raw)
    frame = gpd.read_file(io.BytesIO(raw))
    assert frame.crs.to_epsg() == 4326
    wanted = {fid for fids in expected["features"] for fid in fids}
    assert set(frame["id"]) == wanted and "basin_tingjiang_hanjiang" in wanted
    for ids in frame["measure_ids"]:
        assert set(ids.split(";")) <= set(expected.index)


def check_png(downloads, screenshot_dir: Path):
    name, raw = downloads["png"]
    image = Image.open(io.BytesIO(raw))
    assert image.format == "PNG" and image.size == (1920, 1080)
    assert len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)) > 20  # not blank
    (screenshot_dir / "download_map_ecology_440000.png").write_bytes(raw)
