"""Downloads of a filtered view: CSV, Excel and GeoJSON bytes, and their file names.

What the analyst sees is what the analyst gets: the same rows, every column of the data contract,
multi-valued cells `;`-separated, and beside each code column its names in the UI language
(`theme_name`, `places_names`, ...): the codes stay for joins, the names are for reading. CSV is
UTF-8 with a BOM so Excel on Windows reads the Chinese text. Cells that a spreadsheet would run as
a formula (starting with = + - @, a tab or a carriage return) get a leading apostrophe in CSV and
Excel. The Excel file keeps codes as text (350800 stays "350800"), has a filter on the header,
columns as wide as their text (up to a cap, long text wrapped) and an `about` sheet in the UI
language that cites the policy text and the boundary data from their origin records.

Each row also carries its implementation status from the ledger (issue 14): status, light, as-of and
due date, and today's lead unit (`LEDGER_COLUMNS`; empty / grey with no report); the report's note
and evidence only when `details` is given, i.e. for a signed-in account. The Excel file adds a 台账
sheet: the rows' statuses grouped by lead unit.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime

import pandas as pd
import shapely
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from panprd import filters, ledger_view, origin, vocab
from panprd.data import SOURCE_NAME, Dataset, place_name
from panprd.i18n import t
from panprd.tracking import status as ledger_status
from panprd.tracking.status import ActionState

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The name column written right after each code column.
NAME_COLUMNS: dict[str, str] = {
    "theme": "theme_name",
    "topic": "topic_name",
    "lead_units": "lead_units_names",
    "places": "places_names",
    "partners": "partners_names",
    "features": "features_names",
}
# Columns Excel must not turn into numbers (codes, ids); section and clause are numbers.
NUMBER_COLUMNS: tuple[str, ...] = ("section", "clause")
MAX_COLUMN_WIDTH = 60  # in Excel's character widths; longer text wraps
# The ledger's columns after the contract's; `note` and `evidence` follow for signed-in accounts only.
LEDGER_COLUMNS: tuple[str, ...] = ("status", "status_name", "light", "light_name", "as_of", "due", "lead_today")
DETAIL_COLUMNS: tuple[str, ...] = ("note", "evidence")
LEDGER_SHEET = "台账"
Details = Mapping[str, tuple[str, str]]  # measure_id → (note, evidence), from status.current_details


def neutralise(value: str) -> str:
    """A cell value that spreadsheets will not evaluate as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _namers(ds: Dataset, lang: str) -> dict[str, Callable[[str], str]]:
    """For each code column, how one code becomes its name in `lang` (unknown codes stay as they are)."""
    features = ds.geo.features
    feature_names = features["name_zh" if lang == "zh" else "name_en"]

    def vocabulary(terms: dict[str, vocab.Term]) -> Callable[[str], str]:
        return lambda code: terms[code].label(lang) if code in terms else code

    return {
        "theme": vocabulary(vocab.THEMES),
        "topic": vocabulary(vocab.TOPICS),
        "lead_units": lambda name: vocab.unit_label(name, lang),
        "places": lambda code: place_name(ds, code, lang),
        "partners": lambda code: place_name(ds, code, lang),
        "features": lambda fid: str(feature_names.get(fid, fid)),
    }


def table(ds: Dataset, measures: pd.DataFrame, lang: str, details: Details | None = None) -> pd.DataFrame:
    """The contract's columns as strings, each code column followed by its names in `lang`; then the
    ledger's columns, and the note and evidence when `details` is given (signed-in accounts only)."""
    namers = _namers(ds, lang)
    out: dict[str, list[str]] = {}
    for col in vocab.MEASURE_COLUMNS:
        values = list(measures[col])
        multi = col in vocab.MULTI_VALUED_COLUMNS
        out[col] = [vocab.LIST_SEPARATOR.join(v) if multi else str(v) for v in values]
        if col in NAME_COLUMNS:
            name = namers[col]
            out[NAME_COLUMNS[col]] = [vocab.LIST_SEPARATOR.join(name(c) for c in v) if multi else name(str(v))
                                      for v in values]
    out.update(_ledger_columns(measures, lang))
    if details is not None:
        for i, col in enumerate(DETAIL_COLUMNS):
            out[col] = [str(details.get(mid, ("", ""))[i] or "") for mid in measures.index]
    return pd.DataFrame(out, columns=list(out))


def _ledger_columns(measures: pd.DataFrame, lang: str) -> dict[str, list[str]]:
    """Status (code and name), light (code and name), as-of, due, today's lead: as ledger_view joined them."""
    codes = [s if s != ledger_view.NO_REPORT else "" for s in ledger_view.status_values(measures)]
    lights = list(ledger_view.light_values(measures))

    def column(name: str) -> list[str]:
        return [str(v) for v in measures[name]] if name in measures.columns else [""] * len(measures)

    return {
        "status": codes,
        "status_name": [filters.STATUS_TERMS[c or ledger_view.NO_REPORT].label(lang) for c in codes],
        "light": lights,
        "light_name": [ledger_status.LIGHTS[c].label(lang) if c in ledger_status.LIGHTS else c for c in lights],
        "as_of": column("as_of"),
        "due": column("due"),
        "lead_today": column("lead_today"),
    }


def to_csv(ds: Dataset, measures: pd.DataFrame, lang: str, details: Details | None = None) -> bytes:
    """UTF-8 with BOM, CRLF lines, formula-like cells neutralised; notes and evidence only with `details`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    frame = table(ds, measures, lang, details)
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


def display_width(value: object) -> int:
    """Width of the longest line in Excel character units: wide (CJK) characters count double."""
    lines = str(value).split("\n") if value is not None else [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def _format_sheet(sheet: Worksheet, text_columns: set[int]) -> None:
    """Bold header with a filter, frozen; widths that fit (capped, longer text wrapped); codes as text."""
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(sheet.iter_cols(), start=1):
        width = max(display_width(cell.value) for cell in column) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_COLUMN_WIDTH)
        wrap = width > MAX_COLUMN_WIDTH
        for cell in column[1:]:
            if index in text_columns:
                cell.number_format = "@"
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def ledger_sheet(measures: pd.DataFrame, states: Mapping[str, ActionState], lang: str,
                 details: Details | None = None) -> pd.DataFrame:
    """The 台账 sheet of the rows: status.ledger_frame (grouped by today's lead unit, text order within),
    status and light named in `lang`; with `details`, the note and evidence (signed-in accounts only)."""
    shown = {mid: states[mid] for mid in measures.index if mid in states}
    titles = dict(zip(measures.index, measures["title_zh" if lang == "zh" else "title_en"]))
    frame = ledger_status.ledger_frame(shown, titles)
    frame["status_zh"] = [filters.STATUS_TERMS[c or ledger_view.NO_REPORT].label(lang) for c in frame["status"]]
    frame["light"] = [ledger_status.LIGHTS[c].label(lang) for c in frame["light"]]
    frame = frame.rename(columns={"status_zh": "status_name"})
    if details is not None:
        for i, col in enumerate(DETAIL_COLUMNS):
            frame[col] = [str(details.get(mid, ("", ""))[i] or "") for mid in frame["measure_id"]]
    return frame.astype(str)


def to_xlsx(ds: Dataset, measures: pd.DataFrame, current: filters.Filters, lang: str, now: datetime,
            states: Mapping[str, ActionState] | None = None, details: Details | None = None) -> bytes:
    """Four sheets: the rows, `about` (what they are and where they come from), the unit matrix, and the
    台账 of their statuses by lead unit (`states` from the ledger; without it every action has no report).
    Notes and evidence only with `details` (signed-in accounts)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "measures"
    frame = table(ds, measures, lang, details)
    sheet.append(list(frame.columns))
    numbers = [frame.columns.get_loc(c) for c in NUMBER_COLUMNS if c in frame.columns]
    for row in frame.itertuples(index=False):
        cells: list[object] = [neutralise(v) for v in row]
        for i in numbers:
            cells[i] = int(row[i]) if row[i].isdigit() else cells[i]
        sheet.append(cells)
    _format_sheet(sheet, {i + 1 for i in range(len(frame.columns)) if i not in numbers})

    about = book.create_sheet("about")
    query = current.query()
    about.append([t("about_item", lang), t("about_value", lang)])
    for key, value in [
        ("about_filters", "; ".join(f"{k}={v}" for k, v in query.items()) or t("about_no_filters", lang)),
        ("about_rows", str(len(frame))),
        ("about_source", origin.citation(ds.metadata, lang, f"sources/{SOURCE_NAME}.txt")),
        ("about_geodata", origin.licence_note(ds.origin, lang)),
        ("about_data_version", ds.version),
        ("about_exported_at", now.isoformat(timespec="seconds")),
        ("about_columns", t("about_columns_note", lang)),
        ("about_formula", t("formula_caption", lang)),
    ]:
        about.append([t(key, lang), neutralise(value)])
    _format_sheet(about, {1, 2})

    units = book.create_sheet("lead_units")
    matrix = unit_matrix(measures, lang)
    units.append(["unit", "unit_name", *matrix.columns])
    for unit, counts in matrix.iterrows():
        units.append([neutralise(str(unit)), neutralise(vocab.unit_label(str(unit), lang)),
                      *(int(c) for c in counts)])
    _format_sheet(units, {1, 2})

    if states is None:  # no ledger: every action without a report, under its default lead unit
        states = ledger_view.unread(measures).states
    ledger = book.create_sheet(LEDGER_SHEET)
    led = ledger_sheet(measures, states, lang, details)
    ledger.append(list(led.columns))
    for row in led.itertuples(index=False):
        ledger.append([neutralise(v) for v in row])
    _format_sheet(ledger, set(range(1, len(led.columns) + 1)))
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
    for key, value in current.query().items():
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in value.replace(",", "+"))
        parts.append(f"{key}-{safe[:40]}")
    parts.append(day.strftime("%Y-%m-%d"))
    return "_".join(parts) + "." + extension

