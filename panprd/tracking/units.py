"""Who may report on an action: the 2016 责任单位 of measures.csv mapped to today's units.

Accounts belong to today's units (省工信厅, not 省经信委). `units_2016.csv` maps every 2016 name
to zero, one or several of today's units, each mapping with its source and a confidence. A group
entry (相关设区市人民政府) maps to the nine city governments and is narrowed, per action, to the
cities of the action's places when it has any: those are the city governments concerned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import pandas as pd

UNITS_FILE = "units_2016.csv"
CITY_GROUP = "相关设区市人民政府"
# The office's own name, from section 十（一） of the policy; used as the unit of its own reports.
OFFICE_UNIT = "省泛珠三角区域合作日常工作机构"
# Place code of a 设区市 → its government, as spelt in units_2016.csv.
CITY_GOVERNMENTS: dict[str, str] = {
    "350100": "福州市人民政府",
    "350200": "厦门市人民政府",
    "350300": "莆田市人民政府",
    "350400": "三明市人民政府",
    "350500": "泉州市人民政府",
    "350600": "漳州市人民政府",
    "350700": "南平市人民政府",
    "350800": "龙岩市人民政府",
    "350900": "宁德市人民政府",
}


class UnitMapError(ValueError):
    """The mapping file is malformed; the message names the row and column."""


@dataclass(frozen=True)
class Mapping2016:
    name_2016: str
    units_today: tuple[str, ...]
    source: str
    confidence: str  # "sure" or "uncertain"


@dataclass(frozen=True)
class Action:
    """One action's units under today's names, in the text's order; `lead` is its default 牵头 unit."""

    measure_id: str
    units: tuple[str, ...]
    lead: str | None
    names_2016: tuple[str, ...]


def read_unit_map(text: str | None = None, name: str = UNITS_FILE) -> dict[str, Mapping2016]:
    """Parse units_2016.csv (the packaged file by default) into name_2016 → mapping."""
    if text is None:
        text = resources.files("panprd.tracking").joinpath(UNITS_FILE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    expected = ["name_2016", "unit_today", "source", "confidence"]
    if reader.fieldnames != expected:
        raise UnitMapError(f"{name}, row 1: header is {reader.fieldnames}; expected {expected}")
    out: dict[str, Mapping2016] = {}
    for record in reader:
        row = reader.line_num
        old = (record["name_2016"] or "").strip()
        if not old:
            raise UnitMapError(f"{name}, row {row}, column name_2016: empty")
        if old in out:
            raise UnitMapError(f"{name}, row {row}, column name_2016: '{old}' appears twice")
        if not (record["source"] or "").strip():
            raise UnitMapError(f"{name}, row {row}, column source: every mapping needs its source")
        if record["confidence"] not in ("sure", "uncertain"):
            raise UnitMapError(f"{name}, row {row}, column confidence: '{record['confidence']}' is not sure/uncertain")
        today = tuple(u.strip() for u in (record["unit_today"] or "").split(";") if u.strip())
        out[old] = Mapping2016(old, today, record["source"].strip(), record["confidence"])
    return out


def today_units(unit_map: Mapping[str, Mapping2016] | None = None) -> frozenset[str]:
    """Every unit an account may belong to (plus the office's own name)."""
    unit_map = unit_map if unit_map is not None else read_unit_map()
    return frozenset(u for m in unit_map.values() for u in m.units_today) | {OFFICE_UNIT}


def units_of_entry(name_2016: str, places: Sequence[str], unit_map: Mapping[str, Mapping2016]) -> tuple[str, ...]:
    """Today's units for one 责任单位 entry of one action; unmapped names stay as they are."""
    mapping = unit_map.get(name_2016)
    if mapping is None:
        return (name_2016,)
    if name_2016 == CITY_GROUP:
        concerned = tuple(dict.fromkeys(CITY_GOVERNMENTS[c[:4] + "00"] for c in places
                                        if c[:4] + "00" in CITY_GOVERNMENTS))
        if concerned:
            return tuple(u for u in mapping.units_today if u in concerned)
    return mapping.units_today


def build_actions(units_by_measure: Mapping[str, Sequence[str]],
                  places_by_measure: Mapping[str, Sequence[str]] | None = None,
                  unit_map: Mapping[str, Mapping2016] | None = None) -> dict[str, Action]:
    """Actions from measure_id → 2016 unit names (first leads) and, optionally, → place codes."""
    unit_map = unit_map if unit_map is not None else read_unit_map()
    actions: dict[str, Action] = {}
    for mid, names in units_by_measure.items():
        places = (places_by_measure or {}).get(mid, ())
        per_entry = [units_of_entry(n, places, unit_map) for n in names]
        units = tuple(dict.fromkeys(u for entry in per_entry for u in entry))
        lead = next((entry[0] for entry in per_entry if entry), None)
        actions[mid] = Action(mid, units, lead, tuple(names))
    return actions


def actions_from_measures(measures: pd.DataFrame, unit_map: Mapping[str, Mapping2016] | None = None
                          ) -> dict[str, Action]:
    """Actions of `panprd.data.load().measures` (columns lead_units and places, index measure_id)."""
    return build_actions(dict(zip(measures.index, measures["lead_units"])),
                         dict(zip(measures.index, measures["places"])), unit_map)


def unmapped_names(names: Sequence[str], unit_map: Mapping[str, Mapping2016] | None = None) -> list[str]:
    """The 2016 names units_2016.csv does not cover (a data check: should be empty)."""
    unit_map = unit_map if unit_map is not None else read_unit_map()
    return sorted({n for n in names if n not in unit_map})
