"""Downloads: read back with the tools analysts use; formula injection neutralised; file names."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from panprd import export, filters, vocab

NOW = datetime(2026, 11, 27, 9, 30)


@pytest.fixture(scope="module")
def ecology_gd(ds):
    return filters.apply(ds.measures, filters.Filters(theme=("ecology",), partner=("440000",)))


def test_csv_round_trips_with_pandas_and_csv_module(ecology_gd):
    raw = export.to_csv(ecology_gd)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == list(vocab.MEASURE_COLUMNS)
    assert list(back["measure_id"]) == list(ecology_gd.index)
    assert list(back["text_zh"]) == list(ecology_gd["text_zh"])
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["title_zh"] for r in rows] == list(ecology_gd["title_zh"])
    assert all("440000" in r["partners"].split(";") for r in rows)


def test_xlsx_has_rows_about_and_unit_matrix(ecology_gd):
    book = load_workbook(io.BytesIO(export.to_xlsx(ecology_gd, filters.Filters(theme=("ecology",)), "abc123", NOW)))
    assert book.sheetnames == ["measures", "about", "lead_units"]
    rows = list(book["measures"].values)
    assert list(rows[0]) == list(vocab.MEASURE_COLUMNS)
    assert [r[0] for r in rows[1:]] == list(ecology_gd.index)
    about = dict(book["about"].values)
    assert about["filters"] == "theme=ecology" and about["data version"] == "abc123"
    assert about["exported at"] == "2026-11-27T09:30:00"
    units = list(book["lead_units"].values)
    assert units[0][0] == "unit" and units[0][-1] == "total"
    assert sum(r[-1] for r in units[1:]) == sum(len(u) for u in ecology_gd["lead_units"])


def test_geojson_is_rfc7946_and_readable_by_gdal(ds, ecology_gd):
    raw = export.to_geojson(ds, ecology_gd)
    doc = json.loads(raw)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    back = gpd.read_file(io.BytesIO(raw))
    assert back.crs.to_epsg() == 4326
    assert "basin_tingjiang_hanjiang" in set(back["id"])
    row = back.set_index("id").loc["basin_tingjiang_hanjiang"]
    assert set(row["measure_ids"].split(";")) <= set(ecology_gd.index)


@pytest.mark.parametrize("payload", ["=HYPERLINK(\"http://x\")", "+1+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_injection_is_neutralised_in_every_column(ds, payload):
    hostile = ds.measures.head(2).copy()
    for col in vocab.MEASURE_COLUMNS:
        hostile[col] = [(payload,)] * 2 if col in vocab.MULTI_VALUED_COLUMNS else payload
    rows = list(csv.reader(io.StringIO(export.to_csv(hostile).decode("utf-8-sig"), newline="")))
    assert all(cell == "'" + payload for row in rows[1:] for cell in row)
    book = load_workbook(io.BytesIO(export.to_xlsx(hostile, filters.Filters(), "v", NOW)))
    cells = [c for row in list(book["measures"].values)[1:] for c in row]
    # XML stores a carriage return as a line feed; what matters is the leading apostrophe.
    assert all(c == "'" + payload.replace("\r", "\n") for c in cells)
    assert all(not str(c).startswith(export.FORMULA_PREFIXES) for row in book["lead_units"].values for c in row
               if isinstance(c, str))


def test_plain_values_are_not_touched():
    assert export.neutralise("省发改委") == "省发改委" and export.neutralise("4.1.01") == "4.1.01"


def test_file_names_record_the_filter():
    name = export.file_name(filters.Filters(theme=("ecology",), partner=("440000",)), "csv", NOW)
    assert name == "measures_theme-ecology_partner-440000_2026-11-27.csv"
    assert export.file_name(filters.Filters(), "xlsx", NOW) == "measures_2026-11-27.xlsx"
    weird = export.file_name(filters.Filters(q="a/b\\c:\"d"), "csv", NOW)
    assert "/" not in weird and "\\" not in weird and '"' not in weird
