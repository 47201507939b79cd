"""Load, validate and join the two data sources: measures.csv and geodata/*.geojson.

Validation never drops a row silently: every problem becomes an `Issue` naming the file, the row
(the 1-based line of the CSV record, the header being row 1, or the feature's index and id) and
the column. A row with an error is kept in `Dataset.rejected` with its reasons; the valid rows
are served. A file that cannot be read at all is a fatal issue (`Dataset.fatal`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from panprd import origin, policy, vocab
from panprd.messages import Message

APP_DIR = Path(__file__).resolve().parent.parent
# The data files' folder; tests and the benchmark point it at altered copies of the data.
ROOT = Path(os.environ.get("PANPRD_DATA_ROOT", APP_DIR)).resolve()
GEODATA_DIR = ROOT / "geodata"
SOURCE_NAME = "fujian-panprd-2016"
ORIGIN_FILE = "origin.json"
HEADINGS_SUFFIX = ".headings-en.csv"

ADMIN_FILES: dict[str, str] = {"province": "provinces.geojson", "city": "cities.geojson", "county": "counties.geojson"}
FEATURES_FILE = "features.geojson"
MARITIME_FILE = "maritime.geojson"

MEASURE_ID_PATTERN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2})$")
# A cell longer than this is a pasted document, not a measure (the longest clause is ~900 chars).
MAX_CELL_CHARS = 5000


@dataclass(frozen=True)
class Issue:
    """One problem found in a data file. `row` is None for file-level problems.

    What is wrong is a Message, said in the reader's language where it is shown (`text(lang)`);
    `str()` and `message` are the English the command line and the logs print.
    """

    file: str
    row: int | None
    column: str | None
    said: Message
    severity: str = "error"  # "error" rejects the row (or the file when fatal); "warning" keeps it
    fatal: bool = False

    @property
    def message(self) -> str:
        return self.said.text("en")

    def text(self, lang: str) -> str:
        """'measures.csv 第 2 行：…' on a Chinese page, 'measures.csv, row 2: …' on an English one."""
        return Message("where_said", where=self.where(lang), message=self.said).text(lang)

    def where(self, lang: str) -> str:
        where = self.file
        if self.row is not None:
            where = Message("where_row", file=where, row=self.row).text(lang)
        if self.column:
            where = Message("where_column", where=where, column=self.column).text(lang)
        return where

    def __str__(self) -> str:
        return self.text("en")


class DataError(Exception):
    """Raised when the data cannot be served at all; carries every fatal issue."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass(eq=False)  # identity hash, so derived display layers can be cached per loaded Geo
class Geo:
    """The geodata layers, WGS84. `admin` has every admin unit of every level, indexed by code."""

    admin: gpd.GeoDataFrame
    features: gpd.GeoDataFrame
    maritime: gpd.GeoDataFrame


@dataclass
class Dataset:
    measures: pd.DataFrame
    geo: Geo
    source_text: str
    policy: policy.PolicyText
    metadata: policy.Metadata
    headings_en: dict[str, str]  # English titles of the text's sections and clauses, by ref
    origin: dict | None  # geodata/origin.json: how the layers were built (None when the file is absent)
    version: str  # a short hash of the bytes of every data file read: which version an export shows
    issues: list[Issue] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def feature_keys(self) -> frozenset[str]:
        """What `?feature=` may name: a feature id or a Fujian unit code."""
        return frozenset(self.geo.features.index) | frozenset(vocab.FUJIAN_UNITS)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


def split_list(cell: str) -> tuple[str, ...]:
    """Split a `;`-separated cell into its stripped, non-empty values."""
    return tuple(v.strip() for v in cell.split(vocab.LIST_SEPARATOR) if v.strip())


def normalise_unit(name: str) -> str:
    """One spelling per lead unit, so 发改委 and 省发改委 count as one unit.

    A provincial department (…厅, …委, …局, …办) written without its 省 prefix gets it back;
    names that carry their own place or body (福州海关, 民航福建监管局, 国开行福建省分行) stay.
    """
    name = name.strip()
    if not name or name.startswith("省") or "福建" in name or "厦门" in name or "福州" in name:
        return name
    if name.startswith(("相关", "各", "民航", "南昌", "国开行", "人行")):
        return name
    head = name.split("（", 1)[0]
    if head.endswith(("厅", "委", "局", "办")):
        return "省" + name
    return name


# ---------------------------------------------------------------- reading bytes


def read_stable(path: Path, attempts: int = 5) -> bytes:
    """The file's bytes, read again while a writer is still changing it (never a half-saved file)."""
    for _ in range(attempts):
        before = path.stat()
        raw = path.read_bytes()
        after = path.stat()
        if before.st_mtime_ns == after.st_mtime_ns and before.st_size == after.st_size == len(raw):
            return raw
        time.sleep(0.05)
    return raw


def _decode(raw: bytes, name: str) -> tuple[str | None, list[Issue]]:
    """Decode UTF-8 (a BOM is accepted); explain, not crash, on the encodings Excel produces."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Issue(name, None, None, Message("issue_utf16"), fatal=True)]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gbk")
            hint = Message("issue_hint_gbk")
        except UnicodeDecodeError:
            hint = Message("issue_hint_bytes")
        return None, [Issue(name, row, None, Message("issue_not_utf8", byte=exc.start, hint=hint), fatal=True)]


# ---------------------------------------------------------------- measures.csv


@dataclass(frozen=True)
class Reference:
    """What a measure row may refer to: codes and ids that exist, and the source text."""

    source_text: str
    admin_codes: frozenset[str]
    feature_ids: frozenset[str]


def read_measures(raw: bytes, ref: Reference, name: str = "measures.csv") -> tuple[
    pd.DataFrame, pd.DataFrame, list[Issue]
]:
    """Parse and validate measures.csv bytes: (valid rows, rejected rows with reasons, issues).

    Raises DataError when the file as a whole is unusable (wrong encoding, wrong delimiter,
    missing required columns).
    """
    text, issues = _decode(raw, name)
    if text is None:
        raise DataError(issues)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError([Issue(name, None, None, Message("issue_empty_file"), fatal=True)]) from None
    header = [h.strip() for h in header]
    if len(header) == 1 and vocab.LIST_SEPARATOR in header[0]:
        raise DataError([Issue(name, 1, None, Message("issue_semicolon"), fatal=True)])
    missing = [c for c in vocab.REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DataError([Issue(name, 1, c, Message("issue_column_missing"), fatal=True) for c in missing])
    for col in header:
        if col not in vocab.MEASURE_COLUMNS:
            issues.append(Issue(name, 1, col, Message("issue_column_unknown"), "warning"))
    dupes = {c for c in header if header.count(c) > 1}
    for col in sorted(dupes):
        issues.append(Issue(name, 1, col, Message("issue_column_twice"), "warning"))

    good: list[dict[str, object]] = []
    bad: list[dict[str, object]] = []
    seen_ids: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            issues.append(Issue(name, reader.line_num, None, Message("issue_csv_record", error=str(exc)), fatal=True))
            raise DataError(issues) from None
        row_no = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank line (e.g. the trailing empty line Excel writes)
        record = {c: (cells[i] if i < len(cells) else "") for i, c in reversed(list(enumerate(header)))}
        row_issues = _validate_row(record, cells, header, row_no, ref, seen_ids, name)
        issues.extend(row_issues)
        target = bad if any(i.severity == "error" for i in row_issues) else good
        entry = {c: record.get(c, "").strip() for c in vocab.MEASURE_COLUMNS}
        entry["row"] = row_no
        if target is bad:
            entry["reasons"] = tuple(i for i in row_issues if i.severity == "error")
        target.append(entry)
    return _frame(good), pd.DataFrame(bad), issues


def _validate_row(record: dict[str, str], cells: list[str], header: list[str], row: int, ref: Reference,
                  seen_ids: dict[str, int], name: str) -> list[Issue]:
    out: list[Issue] = []

    def err(column: str | None, key: str, **values: object) -> None:
        out.append(Issue(name, row, column, Message(key, **values)))

    if len(cells) > len(header):
        err(None, "issue_fields_comma", n=len(cells), header=len(header))
    elif len(cells) < len(header):
        err(None, "issue_fields", n=len(cells), header=len(header))
    for col, value in record.items():
        if len(value) > MAX_CELL_CHARS:
            err(col, "issue_cell_long", n=len(value), limit=MAX_CELL_CHARS)
    for col in vocab.REQUIRED_COLUMNS:
        if not record.get(col, "").strip():
            err(col, "issue_cell_empty")

    mid = record.get("measure_id", "").strip()
    match = MEASURE_ID_PATTERN.match(mid)
    if mid and not match:
        err("measure_id", "issue_id_form", value=mid[:40])
    if mid in seen_ids:
        err("measure_id", "issue_id_twice", row=seen_ids[mid])
    elif mid:
        seen_ids[mid] = row
    section = _int_cell(record.get("section", ""), "section", err)
    clause = _int_cell(record.get("clause", ""), "clause", err)
    if match and section is not None and clause is not None and (int(match[1]), int(match[2])) != (section, clause):
        err("measure_id", "issue_id_disagrees", value=mid, section=section, clause=clause)
    theme = record.get("theme", "").strip()
    if theme and theme not in vocab.THEMES:
        err("theme", "issue_theme_unknown", value=theme[:40], expected=tuple(vocab.THEMES))
    elif theme and section is not None and vocab.SECTION_THEME.get(section) != theme:
        err("theme", "issue_theme_section", section=section, expected=vocab.SECTION_THEME.get(section), value=theme)
    topic = record.get("topic", "").strip()
    if topic and topic not in vocab.TOPICS:
        err("topic", "issue_topic_unknown", value=topic[:40])
    layer = record.get("layer", "").strip()
    if layer and layer not in vocab.LAYERS:
        err("layer", "issue_layer_unknown", value=layer[:40], expected=tuple(vocab.LAYERS))
    text = record.get("text_zh", "").strip()
    if text and len(text) <= MAX_CELL_CHARS and text not in ref.source_text:
        err("text_zh", "issue_not_verbatim", source=f"sources/{SOURCE_NAME}.txt")
    for code in split_list(record.get("places", "")):
        if code not in ref.admin_codes or not code.startswith("35"):
            err("places", "issue_place_unknown", value=code[:20])
    for code in split_list(record.get("partners", "")):
        if code not in vocab.PARTNERS:
            err("partners", "issue_partner_unknown", value=code[:20])
    for fid in split_list(record.get("features", "")):
        if fid not in ref.feature_ids:
            err("features", "issue_feature_unknown", value=fid[:60], file=f"geodata/{FEATURES_FILE}")
    return out


def _int_cell(value: str, column: str, err) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        err(column, "issue_not_integer", value=value[:20])
        return None


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Typed measures frame: ints for section/clause, tuples for the multi-valued columns."""
    frame = pd.DataFrame(rows, columns=[*vocab.MEASURE_COLUMNS, "row"])
    frame["section"] = frame["section"].astype(int)
    frame["clause"] = frame["clause"].astype(int)
    for col in vocab.MULTI_VALUED_COLUMNS:
        frame[col] = frame[col].map(split_list)
    frame["lead_units"] = frame["lead_units"].map(lambda units: tuple(normalise_unit(u) for u in units))
    frame["fujian_units"] = frame["places"].map(
        lambda codes: tuple(dict.fromkeys(u for c in codes if (u := vocab.fujian_unit_of(c))))
    )
    return frame.set_index("measure_id", drop=False)


# ---------------------------------------------------------------- geodata


def _read_geojson(path: Path, required: tuple[str, ...], read=read_stable) -> tuple[
    gpd.GeoDataFrame | None, list[Issue]
]:
    """Read one GeoJSON file, checking it is there, parses, is lon/lat and has valid geometry."""
    name = f"geodata/{path.name}"
    if not path.exists():
        return None, [Issue(name, None, None, Message("issue_file_missing"), fatal=True)]
    raw = read(path)
    text, issues = _decode(raw, name)
    if text is None:
        return None, issues
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Issue(name, exc.lineno, None, Message("issue_json_at", line=exc.lineno, col=exc.colno,
                                                             error=exc.msg), fatal=True)]
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return None, [Issue(name, None, None, Message("issue_not_collection"), fatal=True)]
    crs_name = str(((doc.get("crs") or {}).get("properties") or {}).get("name", ""))
    if crs_name and "4326" not in crs_name and "CRS84" not in crs_name:
        return None, [Issue(name, None, None, Message("issue_crs", crs=crs_name), fatal=True)]
    records: list[dict[str, object]] = []
    for index, feat in enumerate(doc.get("features") or []):
        props = dict(feat.get("properties") or {})
        label = Message("issue_feature_at", index=index, id=props.get("id", "?"))
        for col in required:
            if col not in props:
                issues.append(Issue(name, index, col, Message("issue_property_missing", feature=label)))
        try:
            geom = shapely.geometry.shape(feat["geometry"]) if feat.get("geometry") else None
        except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            issues.append(Issue(name, index, "geometry", Message("issue_geometry_unreadable", feature=label,
                                                                 error=str(exc))))
            continue
        if geom is not None and not geom.is_empty:
            minx, miny, maxx, maxy = geom.bounds
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                issues.append(Issue(name, index, "geometry", Message("issue_projected", feature=label,
                                                                     coords=str(geom.bounds[:2])), fatal=True))
                continue
            if not geom.is_valid:
                reason = shapely.is_valid_reason(geom)
                issues.append(Issue(name, index, "geometry", Message("issue_geometry_invalid", feature=label,
                                                                     reason=reason)))
                continue
        records.append({**props, "geometry": geom})
    if any(i.fatal for i in issues):
        return None, issues
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326") if records else None
    return frame, issues


def load_geo(geodata_dir: Path = GEODATA_DIR, read=read_stable) -> tuple[Geo, list[Issue]]:
    """Read every layer; raise DataError with all fatal issues when any layer is unusable."""
    issues: list[Issue] = []
    levels = []
    for level, filename in ADMIN_FILES.items():
        frame, found = _read_geojson(geodata_dir / filename, vocab.ADMIN_PROPERTIES, read)
        issues += found
        if frame is not None:
            frame["level"] = level
            levels.append(frame)
    features, found = _read_geojson(geodata_dir / FEATURES_FILE, vocab.FEATURE_PROPERTIES, read)
    issues += found
    maritime, found = _read_geojson(geodata_dir / MARITIME_FILE, ("id",), read)
    issues += found
    if any(i.fatal for i in issues) or len(levels) != len(ADMIN_FILES) or features is None or maritime is None:
        raise DataError([i for i in issues if i.fatal] or issues)
    admin = pd.concat(levels, ignore_index=True)
    admin["id"] = admin["id"].astype(str)
    # A code can appear at two levels only for Pingtan (county 350128 and its own city-level unit).
    admin = gpd.GeoDataFrame(admin.drop_duplicates("id", keep="last").set_index("id", drop=False),
                             geometry="geometry", crs="EPSG:4326")
    for col in (*vocab.FEATURE_PROPERTIES, *vocab.FEATURE_PART_PROPERTIES):
        if col not in features:  # a property missing from every feature: reported above, shown as empty
            features[col] = ""
        features[col] = features[col].fillna("")
    issues += feature_issues(features)
    for col in ("places", "partners", *vocab.FEATURE_PART_PROPERTIES):
        features[col] = features[col].astype(str).map(split_list)
    name = f"geodata/{FEATURES_FILE}"
    for index, feat in features.iterrows():
        label = Message("issue_feature", id=feat["id"])
        for code in feat["places"]:
            if code not in admin.index:
                issues.append(Issue(name, index, "places", Message("issue_feature_place", feature=label, value=code)))
        if feat["kind"] not in vocab.FEATURE_KINDS:
            issues.append(Issue(name, index, "kind", Message("issue_kind_unknown", feature=label)))
        if feat["layer"] not in vocab.LAYERS:
            issues.append(Issue(name, index, "layer", Message("issue_feature_layer", feature=label)))
    dupes = features["id"][features["id"].duplicated()]
    for fid in dupes:
        issues.append(Issue(name, None, "id", Message("issue_feature_twice", id=fid)))
    features = features.drop_duplicates("id").set_index("id", drop=False)
    return Geo(admin=admin, features=features, maritime=maritime), issues


def _read_origin(path: Path, read) -> tuple[dict | None, list[Issue]]:
    """geodata/origin.json, None when absent; an unusable record is an error, and not used."""
    name = f"geodata/{ORIGIN_FILE}"
    if not path.exists():
        return None, []
    try:
        record = json.loads(read(path))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Issue(name, getattr(exc, "lineno", None), None, Message("issue_json", error=str(exc)))]
    problems = origin.geodata_problems(record)
    return (None if problems else record), [Issue(name, None, None, p) for p in problems]


def data_files(root: Path) -> list[Path]:
    """Every file the dataset is read from, in a fixed order."""
    sources = [root / "sources" / f"{SOURCE_NAME}{suffix}" for suffix in (".txt", ".toml", HEADINGS_SUFFIX)]
    return [*sources, root / "measures.csv", *sorted((root / "geodata").glob("*.geojson")),
            root / "geodata" / ORIGIN_FILE]


def stamp(root: Path | None = None) -> tuple[tuple[str, int, int], ...]:
    """Name, mtime and size of every data file: cheap to take on each rerun; a change reloads the data."""
    root = root or ROOT
    return tuple((str(p.relative_to(root)), p.stat().st_mtime_ns, p.stat().st_size)
                 for p in data_files(root) if p.exists())


def intermediate_points(geom: shapely.Geometry | None) -> int:
    """How many places a line is drawn through between its ends (summed over the parts of a multi-line).

    A railway drawn straight from end to end has none; points and polygons have none.
    """
    if not isinstance(geom, shapely.Geometry) or geom.geom_type not in ("LineString", "MultiLineString"):
        return 0
    return sum(max(len(part.coords) - 2, 0) for part in getattr(geom, "geoms", [geom]))


def railway_leaves_china(feature_id: str) -> bool:
    """Whether a railway is one of vocab.RAILWAYS_LEAVING_CHINA, drawn only at its Chinese terminal.

    The benchmark's synthetic copies (bench/synth.py: `<id>__x<j>`) keep their original's standing.
    """
    return feature_id.partition("__")[0] in vocab.RAILWAYS_LEAVING_CHINA


def feature_issues(features: gpd.GeoDataFrame) -> list[Issue]:
    """What makes named features mislead a reader, one error per feature and column.

    Why: every feature must say in both UI languages how its geometry was made (or why it has none)
    and where that comes from; a railway in China drawn as a straight line between its ends crosses
    other lines and provinces it never enters; site names must match the sites they label.
    `features` is the frame as read (a RangeIndex: the feature's position in the file).
    """
    name = f"geodata/{FEATURES_FILE}"
    issues: list[Issue] = []
    for index, feat in features.iterrows():
        label = Message("issue_feature", id=feat["id"])
        geom = feat.geometry if isinstance(feat.geometry, shapely.Geometry) else None  # null reads as NaN
        mapped = geom is not None and not geom.is_empty
        for text_field in vocab.FEATURE_TEXT_FIELDS:
            for lang in ("zh", "en"):
                column = f"{text_field}_{lang}"
                text = str(feat[column]).strip()
                prefix = vocab.NOT_MAPPED_PREFIX[lang].strip()
                if text_field == "geometry_basis" and not mapped and not text.removeprefix(prefix).strip(" :："):
                    said = Message("issue_no_reason", feature=label, prefix=vocab.NOT_MAPPED_PREFIX[lang])
                elif not text:
                    said = Message("issue_text_empty", feature=label)
                elif text_field == "geometry_basis" and not mapped and not text.startswith(prefix):
                    said = Message("issue_basis_unsaid", feature=label, prefix=vocab.NOT_MAPPED_PREFIX[lang])
                elif text_field == "geometry_basis" and mapped and text.startswith(prefix):
                    said = Message("issue_basis_contradicts", feature=label)
                else:
                    continue
                issues.append(Issue(name, index, column, said))
        if feat["kind"] == "railway" and not railway_leaves_china(feat["id"]) and intermediate_points(geom) < 1:
            issues.append(Issue(name, index, "geometry", Message("issue_railway_straight", feature=label)))
        parts = {lang: split_list(str(feat[f"parts_{lang}"])) for lang in ("zh", "en")}
        if any(parts.values()):
            count = int(shapely.get_num_geometries(geom)) if mapped else 0
            for lang, names in parts.items():
                if len(names) != count:
                    issues.append(Issue(name, index, f"parts_{lang}", Message("issue_parts", feature=label,
                                                                              names=len(names), sites=count)))
    return issues


def feature_text(feature_row: pd.Series | dict, field: str, lang: str) -> str:
    """A feature's name, short label, geometry basis or source in the UI language.

    `field` is one of vocab.FEATURE_TEXT_FIELDS ("name", "short", "geometry_basis", "source"). When
    the UI language's text is empty the other language's is returned (the check command reports
    the gap), so a half-filled file still shows something rather than a blank.
    """
    if field not in vocab.FEATURE_TEXT_FIELDS:
        raise ValueError(f"unknown feature text field {field!r}; expected one of {vocab.FEATURE_TEXT_FIELDS}")
    for text_lang in ("zh", "en") if lang == "zh" else ("en", "zh"):
        value = feature_row.get(f"{field}_{text_lang}")
        if isinstance(value, str) and value.strip():
            return value
    return ""


def _source_issues(error: policy.SourceError) -> list[Issue]:
    return [Issue(error.name, row, column, said, fatal=True) for row, column, said in error.problems]


def load(root: Path | None = None, measures_bytes: bytes | None = None) -> Dataset:
    """Load everything under `root` (default: ROOT) and join it. Raises DataError when nothing can be served."""
    root = root or ROOT
    digest = hashlib.sha256()

    def read(path: Path) -> bytes:
        raw = read_stable(path)
        digest.update(str(path.relative_to(root)).encode() + b"\0" + raw)
        return raw

    source_name = f"sources/{SOURCE_NAME}.txt"
    source_path = root / source_name
    if not source_path.exists():
        raise DataError([Issue(source_name, None, None, Message("issue_file_missing"), fatal=True)])
    source_text, issues = _decode(read(source_path), source_name)
    if source_text is None:
        raise DataError(issues)
    meta_name = f"sources/{SOURCE_NAME}.toml"
    if not (root / meta_name).exists():
        raise DataError([Issue(meta_name, None, None, Message("issue_file_missing"), fatal=True)])
    try:
        metadata = policy.parse_metadata(read(root / meta_name), meta_name)
    except policy.SourceError as exc:
        raise DataError(_source_issues(exc)) from None
    text = policy.parse(source_text)
    headings_name = f"sources/{SOURCE_NAME}{HEADINGS_SUFFIX}"
    if not (root / headings_name).exists():
        raise DataError([Issue(headings_name, None, None, Message("issue_file_missing"), fatal=True)])
    try:
        headings_en = policy.parse_headings_en(read(root / headings_name), headings_name, text)
    except policy.SourceError as exc:
        raise DataError(_source_issues(exc)) from None
    geo, geo_issues = load_geo(root / "geodata", read)
    issues += geo_issues
    origin, origin_issues = _read_origin(root / "geodata" / ORIGIN_FILE, read)
    issues += origin_issues
    ref = Reference(source_text, frozenset(geo.admin.index), frozenset(geo.features.index))
    if measures_bytes is None:
        path = root / "measures.csv"
        if not path.exists():
            raise DataError([Issue("measures.csv", None, None, Message("issue_file_missing"), fatal=True)])
        measures_bytes = read(path)
    else:
        digest.update(b"measures.csv\0" + measures_bytes)
    measures, rejected, measure_issues = read_measures(measures_bytes, ref)
    issues += measure_issues
    if measures.empty:
        raise DataError(issues + [Issue("measures.csv", None, None, Message("issue_no_rows"), fatal=True)])
    by_feature: dict[str, list[str]] = {}
    for mid, fids in zip(measures.index, measures["features"]):  # one pass, not features × measures
        for fid in fids:
            by_feature.setdefault(fid, []).append(mid)
    geo.features["measure_ids"] = [tuple(by_feature.get(fid, ())) for fid in geo.features.index]
    return Dataset(measures=measures, geo=geo, source_text=source_text, policy=text, metadata=metadata,
                   headings_en=headings_en, origin=origin, version=digest.hexdigest()[:12], issues=issues,
                   rejected=rejected)


# ---------------------------------------------------------------- joins and lookups


def measures_for_feature(ds: Dataset, feature_id: str) -> pd.DataFrame:
    """The measures that concern a feature, in text order."""
    return ds.measures.loc[list(ds.geo.features.at[feature_id, "measure_ids"])]


def features_for_measure(ds: Dataset, measure_id: str) -> gpd.GeoDataFrame:
    return ds.geo.features.loc[list(ds.measures.at[measure_id, "features"])]


def place_name(ds: Dataset, code: str, lang: str) -> str:
    """The name of an admin code in the UI language, the code itself when unknown."""
    if code in vocab.FUJIAN_UNITS:
        return vocab.FUJIAN_UNITS[code].label(lang)
    if code in vocab.PARTNERS:
        return vocab.PARTNERS[code].label(lang)
    if code in ds.geo.admin.index:
        return str(ds.geo.admin.at[code, "name_zh" if lang == "zh" else "name_en"])
    return code
