"""The filter state, which lives in the URL query string, and its application to the data.

A URL is untrusted input: keys we don't know, values outside the vocabularies, overlong values and
markup are dropped with a `Note` that the page shows (escaped), never echoed raw and never a crash.
Within a filter several values mean any of them; across filters all must hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from panprd import vocab

# Keys that are not filters but still belong to the view's URL.
VIEW_KEYS: tuple[str, ...] = ("lang", "feature", "clause", "present", "basemap")
MAX_VALUE_CHARS = 200
MAX_QUERY_CHARS = 100
MAX_VALUES = 50


@dataclass(frozen=True)
class Note:
    """Something in the URL that was ignored, and why. `value` is raw: escape it to show it."""

    key: str
    value: str
    reason: str


@dataclass(frozen=True)
class Filters:
    theme: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()
    partner: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    unit: tuple[str, ...] = ()
    q: str = ""

    @property
    def active(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def with_values(self, **changes: object) -> Filters:
        return replace(self, **changes)


@dataclass(frozen=True)
class Choices:
    """The values each filter accepts (taken from the vocabularies and the loaded data)."""

    theme: frozenset[str] = frozenset(vocab.THEMES)
    topic: frozenset[str] = frozenset(vocab.TOPICS)
    partner: frozenset[str] = frozenset(vocab.PARTNERS)
    place: frozenset[str] = frozenset(vocab.FUJIAN_UNITS)
    unit: frozenset[str] = field(default_factory=frozenset)


def choices_from(measures: pd.DataFrame) -> Choices:
    units = frozenset(u for units in measures["lead_units"] for u in units)
    return Choices(unit=units)


def _values(raw: str | Iterable[str]) -> list[str]:
    """All values of a key: repeated keys and comma-separated values both count."""
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def from_query(params: Mapping[str, str | Iterable[str]], choices: Choices) -> tuple[Filters, list[Note]]:
    """Read Filters from URL query parameters, keeping only known values."""
    notes: list[Note] = []
    picked: dict[str, object] = {}
    for key, raw in params.items():
        if key in VIEW_KEYS:
            continue
        if key not in vocab.FILTER_KEYS:
            notes.append(Note(key[:MAX_VALUE_CHARS], "", "unknown parameter"))
            continue
        values = _values(raw)
        if key == "q":
            text = " ".join(values)
            if len(text) > MAX_QUERY_CHARS:
                notes.append(Note(key, text[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters"))
                text = ""
            picked["q"] = text
            continue
        allowed: frozenset[str] = getattr(choices, key)
        kept: list[str] = []
        for value in values[:MAX_VALUES]:
            if len(value) > MAX_VALUE_CHARS:
                notes.append(Note(key, value[:40] + "…", "value too long"))
            elif value not in allowed:
                notes.append(Note(key, value, "unknown value"))
            elif value not in kept:
                kept.append(value)
        if len(values) > MAX_VALUES:
            notes.append(Note(key, "", f"more than {MAX_VALUES} values; the rest ignored"))
        picked[key] = tuple(kept)
    return Filters(**picked), notes


def to_query(filters: Filters) -> dict[str, str]:
    """URL query parameters for Filters: only the set filters, multi-values comma-joined."""
    query: dict[str, str] = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if value:
            query[f.name] = value if isinstance(value, str) else ",".join(value)
    return query


def apply(measures: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The measures that pass every filter."""
    mask = pd.Series(True, index=measures.index)
    if filters.theme:
        mask &= measures["theme"].isin(filters.theme)
    if filters.topic:
        mask &= measures["topic"].isin(filters.topic)
    for key, column in (("partner", "partners"), ("place", "fujian_units"), ("unit", "lead_units")):
        wanted = set(getattr(filters, key))
        if wanted:
            mask &= measures[column].map(lambda values, w=wanted: not w.isdisjoint(values))
    if filters.q:
        needle = filters.q.casefold()
        haystack = measures["title_zh"] + "\n" + measures["title_en"] + "\n" + measures["text_zh"]
        mask &= haystack.str.casefold().str.contains(needle, regex=False)
    return measures[mask]


def facet_counts(measures: pd.DataFrame, filters: Filters, key: str) -> dict[str, int]:
    """For each value of one filter, how many rows it would give with the other filters kept."""
    others = apply(measures, filters.with_values(**{key: "" if key == "q" else ()}))
    column = {"partner": "partners", "place": "fujian_units", "unit": "lead_units"}.get(key, key)
    counts: dict[str, int] = {}
    for value in others[column]:
        for item in (value,) if isinstance(value, str) else value:
            counts[item] = counts.get(item, 0) + 1
    return counts
