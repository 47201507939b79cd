"""Downloads of a filtered view: CSV, Excel and GeoJSON bytes, and their file names.

What the analyst sees is what the analyst gets: the same rows, every column of the data contract,
multi-valued cells `;`-separated. CSV is UTF-8 with a BOM so Excel on Windows reads the Chinese
text. Cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
return) get a leading apostrophe in CSV and Excel; the export's notes sheet says so.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Font

from panprd import filters, vocab
from panprd.data import Dataset

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_NOTE = ("Cells that began with =, +, -, @, a tab or a carriage return were prefixed with an "
                "apostrophe (') so that spreadsheets show them as text instead of running them as formulas.")
SOURCE_NOTE = ("福建省人民政府关于贯彻落实《国务院关于深化泛珠三角区域合作的指导意见》的实施意见 "
               "(2016-11-14), sources/fujian-panprd-2016.txt")


def neutralise(value: str) -> str:
    """A cell value that spreadsheets will not evaluate as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def table(measures: pd.DataFrame) -> pd.DataFrame:
    """The contract's columns as strings, multi-valued cells joined with `;`."""
    out = measures.loc[:, list(vocab.MEASURE_COLUMNS)].copy()
    for col in vocab.MULTI_VALUED_COLUMNS:
        out[col] = out[col].map(vocab.LIST_SEPARATOR.join)
    return out.astype(str).reset_index(drop=True)


def to_csv(measures: pd.DataFrame) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    frame = table(measures)
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow([neutralise(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def unit_matrix(measures: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Lead units × themes: how many actions each unit leads in each theme."""
    pairs = [(unit, theme) for units, theme in zip(measures["lead_units"], measures["theme"]) for unit in units]
    frame = pd.DataFrame(pairs, columns=["unit", "theme"])
    matrix = pd.crosstab(frame["unit"], frame["theme"]) if pairs else pd.DataFrame()
    matrix = matrix.reindex(columns=[t for t in vocab.THEMES if t in matrix.columns], fill_value=0)
    matrix.columns = [vocab.THEMES[t].label(lang) for t in matrix.columns]
    matrix["total"] = matrix.sum(axis=1)
    return matrix.sort_values("total", ascending=False)


def to_xlsx(measures: pd.DataFrame, current: filters.Filters, data_version: str, now: datetime) -> bytes:
    """Three sheets: the rows, what they are (filters, source, version, time), the unit matrix."""
    book = Workbook()
    sheet = book.active
    sheet.title = "measures"
    frame = table(measures)
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([neutralise(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    about = book.create_sheet("about")
    query = filters.to_query(current)
    for key, value in [
        ("filters", "; ".join(f"{k}={v}" for k, v in query.items()) or "(none: all rows)"),
        ("rows", str(len(frame))),
        ("source document", SOURCE_NOTE),
        ("data version", data_version),
        ("exported at", now.isoformat(timespec="seconds")),
        ("formula injection", FORMULA_NOTE),
    ]:
        about.append([key, neutralise(value)])
    units = book.create_sheet("lead_units")
    matrix = unit_matrix(measures)
    units.append(["unit", *matrix.columns])
    for unit, counts in matrix.iterrows():
        units.append([neutralise(str(unit)), *(int(c) for c in counts)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_geojson(ds: Dataset, measures: pd.DataFrame, layer: str | None = None) -> bytes:
    """RFC 7946 FeatureCollection of the features the rows concern, with the joined action ids and titles."""
    wanted = {fid for fids in measures["features"] for fid in fids}
    features = ds.geo.features[ds.geo.features.index.isin(wanted)]
    if layer:
        features = features[features["layer"] == layer]
    out = []
    for fid, row in features.iterrows():
        joined = measures[measures["features"].map(lambda fids, f=fid: f in fids)]
        geom = row.geometry
        out.append({
            "type": "Feature",
            "id": fid,
            "properties": {
                "id": fid, "name_zh": row["name_zh"], "name_en": row["name_en"], "kind": row["kind"],
                "layer": row["layer"],
                **{key: row[key] for key in ("short_zh", "short_en", "geometry_basis_zh", "geometry_basis_en",
                                             "source_zh", "source_en")},
                "places": ";".join(row["places"]), "partners": ";".join(row["partners"]),
                "measure_ids": ";".join(joined.index), "measure_titles_zh": ";".join(joined["title_zh"]),
                "measure_titles_en": ";".join(joined["title_en"]),
            },
            "geometry": None if geom is None or geom.is_empty else shapely.geometry.mapping(
                shapely.orient_polygons(geom)),
        })
    return json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False).encode("utf-8")


def file_name(current: filters.Filters, extension: str, day: datetime) -> str:
    """A name that records the filter: measures_theme-ecology_partner-440000_2026-11-27.csv."""
    parts = ["measures"]
    for key, value in filters.to_query(current).items():
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in value.replace(",", "+"))
        parts.append(f"{key}-{safe[:40]}")
    parts.append(day.strftime("%Y-%m-%d"))
    return "_".join(parts) + "." + extension

