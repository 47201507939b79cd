"""Downloads: read back with the tools analysts use; names beside codes; formula injection neutralised;
Excel codes as text, a header filter, fitted widths, an about sheet cited from the origin records."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from datetime import datetime

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from panprd import data, export, filters, i18n, ledger_view, vocab

NOW = datetime(2026, 11, 27, 9, 30)
CURRENT = filters.Filters(theme=("ecology",))


@pytest.fixture(scope="module")
def ecology_gd(ds):
    return filters.apply(ds.measures, filters.Filters(theme=("ecology",), partner=("440000",)))


def expected_columns() -> list[str]:
    out: list[str] = []
    for col in vocab.MEASURE_COLUMNS:
        out.append(col)
        if col in export.NAME_COLUMNS:
            out.append(export.NAME_COLUMNS[col])
    return [*out, *export.LEDGER_COLUMNS]


def read_csv(raw: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def xlsx(ds, rows, lang="zh"):
    return load_workbook(io.BytesIO(export.to_xlsx(ds, rows, CURRENT, lang, NOW)))


def test_csv_round_trips_with_pandas_and_csv_module(ds, ecology_gd):
    raw = export.to_csv(ds, ecology_gd, "zh")
    assert raw.startswith(b"\xef\xbb\xbf")
    back = read_csv(raw)
    assert list(back.columns) == expected_columns()
    assert list(back["measure_id"]) == list(ecology_gd.index)
    assert list(back["text_zh"]) == list(ecology_gd["text_zh"])
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [r["title_zh"] for r in rows] == list(ecology_gd["title_zh"])
    assert all("440000" in r["partners"].split(";") for r in rows)


def test_the_columns_follow_the_contract_whatever_it_holds(ds, ecology_gd, monkeypatch):
    shorter = tuple(c for c in vocab.MEASURE_COLUMNS if c not in ("status", "as_of", "status_source", "topic"))
    monkeypatch.setattr(vocab, "MEASURE_COLUMNS", shorter)
    back = read_csv(export.to_csv(ds, ecology_gd, "en"))
    assert "topic_name" not in back.columns
    assert list(back.columns) == expected_columns()


@pytest.mark.parametrize("lang, names", [
    ("zh", {"theme_name": "区域经济合作", "topic_name": "产业转移", "places_names": "龙岩市",
            "partners_names": "江西", "features_names": "赣闽产业合作区",
            "lead_units_names": "省经信委;省商务厅;省发改委;相关设区市人民政府"}),
    ("en", {"theme_name": "Regional economic cooperation", "topic_name": "Industrial transfer",
            "places_names": "Longyan", "partners_names": "Jiangxi",
            "features_names": "Jiangxi–Fujian Industrial Cooperation Zone",
            "lead_units_names": "Fujian Provincial Economic and Information Technology Commission;"
                                "Fujian Provincial Department of Commerce;"
                                "Fujian Provincial Development and Reform Commission;"
                                "People's governments of the prefecture-level cities concerned"}),
])
def test_name_columns_beside_the_codes_for_a_known_row(ds, lang, names):
    row = read_csv(export.to_csv(ds, ds.measures.loc[["2.3.07"]], lang)).iloc[0]
    assert (row["theme"], row["topic"], row["places"], row["partners"], row["features"]) == (
        "economy", "industrial_transfer", "350800", "360000", "zone_ganmin_industrial")
    assert row["lead_units"] == "省经信委;省商务厅;省发改委;相关设区市人民政府"
    assert {k: row[k] for k in names} == names
    columns = list(row.index)
    for code, name in export.NAME_COLUMNS.items():
        assert columns.index(name) == columns.index(code) + 1


def test_multi_valued_names_keep_the_order_and_count_of_the_codes(ds):
    back = read_csv(export.to_csv(ds, ds.measures, "en"))
    for code, name in export.NAME_COLUMNS.items():
        if code in vocab.MULTI_VALUED_COLUMNS:
            assert all(len(a.split(";")) == len(b.split(";")) for a, b in zip(back[code], back[name]) if a), code
    # a Fujian county code gets the county's name from geodata, not the code back
    county = back[back["places"].str.contains("350624")].iloc[0]
    assert "350624" not in county["places_names"]


def test_xlsx_has_rows_about_and_unit_matrix(ds, ecology_gd):
    book = xlsx(ds, ecology_gd)
    assert book.sheetnames == ["measures", "about", "lead_units", "台账"]
    rows = list(book["measures"].values)
    assert list(rows[0]) == expected_columns()
    assert [r[0] for r in rows[1:]] == list(ecology_gd.index)
    about = dict(list(book["about"].values)[1:])
    assert about["筛选条件"] == "theme=ecology" and about["数据版本"] == ds.version
    assert about["导出时间"] == "2026-11-27T09:30:00"
    assert about["防公式注入"] == i18n.t("formula_caption", "zh")
    units = list(book["lead_units"].values)
    assert units[0][:2] == ("unit", "unit_name") and units[0][-1] == "total"
    assert sum(r[-1] for r in units[1:]) == sum(len(u) for u in ecology_gd["lead_units"])


def test_xlsx_codes_are_text_for_openpyxl_and_pandas(ds):
    rows = ds.measures[ds.measures["places"].map(lambda p: p == ("350800",))]
    assert len(rows) > 0
    raw = export.to_xlsx(ds, rows, CURRENT, "zh", NOW)
    sheet = load_workbook(io.BytesIO(raw))["measures"]
    header = [c.value for c in sheet[1]]
    places = sheet.cell(row=2, column=header.index("places") + 1)
    assert places.value == "350800" and places.data_type == "s" and places.number_format == "@"
    assert sheet.cell(row=2, column=header.index("measure_id") + 1).number_format == "@"
    assert isinstance(sheet.cell(row=2, column=header.index("section") + 1).value, int)
    # pandas keeps what the file stores with dtype=object; with dtype=None it re-parses every column's
    # values like read_csv (its documented inference), so "350800" text comes back int64 there.
    frame = pd.read_excel(io.BytesIO(raw), sheet_name="measures", dtype=object)
    assert list(frame["places"]) == ["350800"] * len(rows)
    assert all(isinstance(v, str) for v in frame["measure_id"])


def test_xlsx_filter_widths_and_wrapping(ds, ecology_gd):
    sheet = xlsx(ds, ecology_gd)["measures"]
    assert sheet.auto_filter.ref == sheet.dimensions
    header = [c.value for c in sheet[1]]

    def width(col: str) -> float:
        return sheet.column_dimensions[chr(ord("A") + header.index(col))].width

    assert width("text_zh") == export.MAX_COLUMN_WIDTH  # long Chinese text: capped and wrapped
    assert sheet.cell(row=2, column=header.index("text_zh") + 1).alignment.wrap_text
    assert width("measure_id") < 15 and not sheet.cell(row=2, column=1).alignment.wrap_text
    # CJK counts double: the Chinese title column is wider than its character count
    longest = max(len(v) for v in ecology_gd["title_zh"])
    assert width("title_zh") >= min(2 * longest, export.MAX_COLUMN_WIDTH)


def test_about_sheet_in_english(ds, ecology_gd):
    book = xlsx(ds, ecology_gd, "en")
    about = dict(list(book["about"].values)[1:])
    labels = list(about)
    assert labels == [i18n.t(k, "en") for k in ("about_filters", "about_rows", "about_source", "about_geodata",
                                                 "about_data_version", "about_exported_at", "about_columns",
                                                 "about_formula")]
    assert all(label.isascii() for label in labels)
    assert about["Policy text"].startswith("Implementation opinions of the Fujian Provincial People's Government")
    assert about["Actions"] == str(len(ecology_gd))


def test_citation_and_licence_come_from_the_origin_records(ds, ecology_gd):
    changed = dataclasses.replace(ds, metadata=dataclasses.replace(
        ds.metadata, title_en="CHANGED implementation opinions"), origin=None)
    about = dict(list(xlsx(changed, ecology_gd, "en")["about"].values)[1:])
    assert about["Policy text"].startswith("CHANGED implementation opinions")
    assert ds.metadata.sha256 in about["Policy text"]
    assert about["Boundary data"] == "origin record missing (geodata/origin.json)"
    fixture = {"producer": "tools/build_geodata.py", "built": "2026-11-20",
               "package": {"name": "fixture-pkg", "version": "9.9.9", "licence": "MIT", "url": "https://example.org/p"},
               "inputs": [], "outputs": []}
    about = dict(list(xlsx(dataclasses.replace(ds, origin=fixture), ecology_gd, "zh")["about"].values)[1:])
    assert about["边界数据"].startswith("边界数据：fixture-pkg 9.9.9（MIT 许可），https://example.org/p")


def test_an_unusable_origin_record_is_named_and_not_used(tmp_path):
    for name in ("geodata", "sources"):
        shutil.copytree(data.ROOT / name, tmp_path / name)
    shutil.copy(data.ROOT / "measures.csv", tmp_path / "measures.csv")
    (tmp_path / "geodata" / "origin.json").write_text('{"package": {"name": "x"}', encoding="utf-8")
    loaded = data.load(tmp_path)
    assert loaded.origin is None and any(str(i).startswith("geodata/origin.json") and "JSON" in str(i)
                                         for i in loaded.errors)
    (tmp_path / "geodata" / "origin.json").write_text('{"package": {"name": "x"}}', encoding="utf-8")
    problems = [str(i) for i in data.load(tmp_path).errors]
    assert "geodata/origin.json: key package.version, package.licence, package.url missing or empty" in problems


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
    for col in (*vocab.MEASURE_COLUMNS, "as_of", "due", "lead_today"):
        hostile[col] = [(payload,)] * 2 if col in vocab.MULTI_VALUED_COLUMNS else payload
    details = dict.fromkeys(hostile.index, (payload, payload))  # a signed-in download's note and evidence
    vocabulary = {"status", "status_name", "light", "light_name"}  # the ledger's codes and their names
    raw = export.to_csv(ds, hostile, "en", details)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    free = [i for i, name in enumerate(rows[0]) if name not in vocabulary]
    assert {"note", "evidence", "as_of"} <= {rows[0][i] for i in free}
    assert all(row[i] == "'" + payload for row in rows[1:] for i in free)
    states = {mid: dataclasses.replace(state, lead=payload, as_of=payload)
              for mid, state in ledger_view.unread(ds.measures.head(2)).states.items()}
    book = load_workbook(io.BytesIO(export.to_xlsx(ds, hostile, filters.Filters(), "en", NOW, states, details)))
    header = [c.value for c in book["measures"][1]]
    cells = [c for row in list(book["measures"].values)[1:] for c, name in zip(row, header) if name not in vocabulary]
    # Some lxml/openpyxl builds store a carriage return as a line feed; what matters is the leading apostrophe.
    assert all(c in ("'" + payload, "'" + payload.replace("\r", "\n")) for c in cells)
    for name in ("lead_units", "台账"):
        assert all(not str(c).startswith(export.FORMULA_PREFIXES) for row in book[name].values for c in row
                   if isinstance(c, str)), name
    ledger_rows = list(book["台账"].values)
    notes = [r[ledger_rows[0].index("note")] for r in ledger_rows[1:]]
    assert len(notes) == 2 and all(n in ("'" + payload, "'" + payload.replace("\r", "\n")) for n in notes)


def test_plain_values_are_not_touched():
    assert export.neutralise("省发改委") == "省发改委" and export.neutralise("4.1.01") == "4.1.01"


def test_display_width_counts_cjk_double():
    assert export.display_width("abc") == 3 and export.display_width("港口ab") == 6
    assert export.display_width("ab\n港口港口") == 8 and export.display_width(None) == 0


def test_file_names_record_the_filter():
    name = export.file_name(filters.Filters(theme=("ecology",), partner=("440000",)), "csv", NOW)
    assert name == "measures_theme-ecology_partner-440000_2026-11-27.csv"
    assert export.file_name(filters.Filters(), "xlsx", NOW) == "measures_2026-11-27.xlsx"
    weird = export.file_name(filters.Filters(q="a/b\\c:\"d"), "csv", NOW)
    assert "/" not in weird and "\\" not in weird and '"' not in weird
