"""Synthetic data for the scale runs: the app's data files with measures and features multiplied.

`make_data_root(dest, factor)` copies sources/, geodata/ and measures.csv into `dest` (point
PANPRD_DATA_ROOT at it) and adds `factor - 1` copies of every measure row and every feature.

Ids. A feature copy is `<id>__x<j>` with its geometry shifted by j * (0.001°, 0.0007°), so every
copy draws at its own place. A measure copy must pass `panprd.data.MEASURE_ID_PATTERN`
(`section.clause.item`, item exactly two digits, section and clause agreeing with the row): a
clause holds at most 100 ids (items 00-99), so ×10 and ×100 copies cannot stay in their own clause
(the largest clause has 23 rows). Copies therefore keep their real section (so the theme check
holds) and take synthetic clause numbers 11..99, which the text does not have; they pass
validation, but `vocab.SECTION_NUMERALS` only names clauses 1..10, so the side panel of a clicked
synthetic row would fail. The benchmark never clicks. See README.md for the suggested change.
A measure copy that names feature f names copy j of f, so the visible feature layer grows with
the factor.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

APP_DIR = Path(__file__).resolve().parent.parent
FIRST_SYNTHETIC_CLAUSE = 11
MAX_CLAUSE = 99
SHIFT_DEG = (0.001, 0.0007)


def copy_id(fid: str, j: int) -> str:
    """The id of the j-th synthetic copy of a feature."""
    return f"{fid}__x{j}"


def multiply_features(doc: dict, factor: int) -> dict:
    """A FeatureCollection with `factor - 1` shifted copies of every feature appended."""
    copies = []
    for j in range(1, factor):
        dx, dy = SHIFT_DEG[0] * j, SHIFT_DEG[1] * j
        for feat in doc["features"]:
            props = dict(feat["properties"], id=copy_id(feat["properties"]["id"], j))
            geom = feat.get("geometry")
            if geom:
                geom = mapping(shapely.transform(shape(geom), lambda xy, dx=dx, dy=dy: xy + (dx, dy)))
            copies.append({"type": "Feature", "properties": props, "geometry": geom})
    return {**doc, "features": doc["features"] + copies}


def multiply_measures(text: str, factor: int) -> str:
    """measures.csv text with `factor - 1` copies of every row under new, valid ids (see module doc)."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = list(rows[0].keys())
    next_slot: dict[str, int] = defaultdict(int)  # per section: synthetic rows numbered so far
    out = list(rows)
    for j in range(1, factor):
        for row in rows:
            section = row["section"]
            slot = next_slot[section]
            next_slot[section] += 1
            clause = FIRST_SYNTHETIC_CLAUSE + slot // 100
            if clause > MAX_CLAUSE:
                raise ValueError(f"section {section}: more synthetic rows than section.clause.item ids allow")
            features = ";".join(copy_id(f.strip(), j) for f in row["features"].split(";") if f.strip())
            out.append({**row, "measure_id": f"{section}.{clause}.{slot % 100:02d}", "clause": str(clause),
                        "features": features})
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    return buf.getvalue()


def make_data_root(dest: Path, factor: int, source: Path = APP_DIR) -> Path:
    """Copy the data files into `dest`, multiplying measures and features by `factor`; return `dest`."""
    dest = Path(dest)
    shutil.copytree(source / "sources", dest / "sources", dirs_exist_ok=True)
    shutil.copytree(source / "geodata", dest / "geodata", dirs_exist_ok=True)
    measures = (source / "measures.csv").read_text(encoding="utf-8-sig")
    (dest / "measures.csv").write_text(multiply_measures(measures, factor), encoding="utf-8")
    features = json.loads((source / "geodata" / "features.geojson").read_text(encoding="utf-8"))
    (dest / "geodata" / "features.geojson").write_text(
        json.dumps(multiply_features(features, factor), ensure_ascii=False), encoding="utf-8")
    return dest
