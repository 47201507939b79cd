"""The filter registry and the view state, which lives in the URL query string.

One `FilterSpec` per filter (as Datasette's filters.py keeps one entry per filter): its URL key, the
values each row has, its vocabulary and the labels of its values. The sidebar widgets, URL reading and
writing, facets, the explorer's columns and the export file names all iterate `REGISTRY`, so adding a
filter is one entry here plus its vocabulary in panprd.vocab. A filter's row values may come from a
column of measures.csv, from a column a join adds to the frame before filtering, or be derived from
the frame by a function (`derive`), e.g. "overdue" from a due date and today.

A URL is untrusted input: keys we don't know, values outside the vocabularies, overlong values and
markup are dropped with a `Note` that the page shows (escaped), never echoed raw and never a crash.
Within a filter several values mean any of them; across filters all must hold.

`ViewState` is everything a URL says: page, filters, language, presenter mode, type size and the page's own keys
(`feature`, `clause`, `measure`); its `href()` builds every link of the app.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np
import pandas as pd

from panprd import ledger_view, pages, search, vocab
from panprd.tracking import status

MAX_VALUE_CHARS = 200
MAX_QUERY_CHARS = 100
MAX_VALUES = 50
LANGS: tuple[str, ...] = ("zh", "en")
# Keys that follow the user to another page; page keys belong to one page and are dropped on leaving it.
CARRIED_KEYS: tuple[str, ...] = ("lang", "present", "size")
PAGE_KEYS: tuple[str, ...] = ("feature", "clause", "measure")
# View keys that are neither filters nor part of the view state (the basemap is a sidebar choice).
OTHER_KEYS: tuple[str, ...] = ("basemap",)


@dataclass(frozen=True)
class FilterSpec:
    """One filter. `column` names the frame column holding each row's value (a str) or values (a tuple);
    `derive` computes that series from the frame instead, for values no column holds."""

    key: str
    vocabulary: Callable[[pd.DataFrame], Sequence[str]] | None  # ordered values; None for free text
    label: Callable[[str, str], str]  # (value, lang) -> the value's label in the UI language
    column: str | None = None
    derive: Callable[[pd.DataFrame], pd.Series] | None = None

    @property
    def is_text(self) -> bool:
        return self.vocabulary is None

    def row_values(self, frame: pd.DataFrame) -> pd.Series:
        return self.derive(frame) if self.derive else frame[self.column]

    def mask(self, frame: pd.DataFrame, chosen: tuple[str, ...] | str) -> pd.Series:
        """True for the rows this filter keeps."""
        if self.is_text:
            return text_mask(frame, str(chosen))
        wanted = set(chosen)
        return self.row_values(frame).map(
            lambda v: v in wanted if isinstance(v, str) else not wanted.isdisjoint(v)).astype(bool)

    def counts(self, row_values: Iterable) -> dict[str, int]:
        """How many rows carry each value (`row_values`: this filter's values of each row)."""
        out: dict[str, int] = {}
        for value in row_values:
            for item in (value,) if isinstance(value, str) else value:
                if item:
                    out[item] = out.get(item, 0) + 1
        return out


def text_mask(frame: pd.DataFrame, q: str) -> pd.Series:
    """Rows whose titles or text match `q` (panprd.search: English whole words, Chinese substrings)."""
    return search.mask(frame["title_zh"] + "\n" + frame["title_en"] + "\n" + frame["text_zh"], q)


def _terms(terms: Mapping[str, vocab.Term]) -> Callable[[pd.DataFrame], Sequence[str]]:
    return lambda _frame: list(terms)


def _term_label(terms: Mapping[str, vocab.Term]) -> Callable[[str, str], str]:
    return lambda value, lang: terms[value].label(lang) if value in terms else value


def _units(frame: pd.DataFrame) -> list[str]:
    return sorted({u for units in frame["lead_units"] for u in units})


# The ledger's filters (issue 14): a status (or no report) and a traffic light, on the columns
# ledger_view.with_statuses joins onto the measures; a frame never joined is all no report / grey.
STATUS_TERMS: dict[str, vocab.Term] = {**status.STATUSES,
                                       ledger_view.NO_REPORT: vocab.Term(ledger_view.NO_REPORT, "未填报", "No report")}

# The filters, in the order the sidebar shows them.
REGISTRY: tuple[FilterSpec, ...] = (
    FilterSpec("theme", _terms(vocab.THEMES), _term_label(vocab.THEMES), "theme"),
    FilterSpec("topic", _terms(vocab.TOPICS), _term_label(vocab.TOPICS), "topic"),
    FilterSpec("partner", _terms(vocab.PARTNERS), _term_label(vocab.PARTNERS), "partners"),
    FilterSpec("place", _terms(vocab.FUJIAN_UNITS), _term_label(vocab.FUJIAN_UNITS), "fujian_units"),
    FilterSpec("unit", _units, vocab.unit_label, "lead_units"),
    FilterSpec("status", _terms(STATUS_TERMS), _term_label(STATUS_TERMS), derive=ledger_view.status_values),
    FilterSpec("light", _terms(status.LIGHTS), _term_label(status.LIGHTS), derive=ledger_view.light_values),
    FilterSpec("q", None, lambda value, _lang: value),
)
SPECS: dict[str, FilterSpec] = {spec.key: spec for spec in REGISTRY}
KEYS: tuple[str, ...] = tuple(SPECS)
CHOICE_KEYS: tuple[str, ...] = tuple(s.key for s in REGISTRY if not s.is_text)


@dataclass(frozen=True)
class Note:
    """Something in the URL that was ignored, and why. `value` is raw: escape it to show it."""

    key: str
    value: str
    reason: str


class Filters(Mapping[str, "tuple[str, ...] | str"]):
    """The chosen values of every filter: a tuple per choice filter, a string for the text filter."""

    __slots__ = ("_values",)

    def __init__(self, **values: Iterable[str] | str) -> None:
        unknown = set(values) - set(KEYS)
        if unknown:
            raise TypeError(f"unknown filter(s): {', '.join(sorted(unknown))}")
        self._values = {
            spec.key: str(values.get(spec.key, "")) if spec.is_text else tuple(values.get(spec.key, ()))
            for spec in REGISTRY
        }

    def __getitem__(self, key: str) -> tuple[str, ...] | str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filters) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        return f"Filters({', '.join(f'{k}={v!r}' for k, v in self._values.items() if v)})"

    @property
    def q(self) -> str:
        return str(self._values["q"])

    @property
    def active(self) -> bool:
        return any(self._values.values())

    def with_values(self, **changes: Iterable[str] | str) -> Filters:
        return Filters(**{**self._values, **changes})

    def without(self, key: str) -> Filters:
        return self.with_values(**{key: "" if SPECS[key].is_text else ()})

    def toggled(self, key: str, value: str) -> Filters:
        """The filters a facet link leads to: a chosen value removed; another value chosen instead of the
        key's current values, so that the rows the link gives are the count shown beside it."""
        values = tuple(self[key])
        return self.with_values(**{key: tuple(v for v in values if v != value) if value in values else (value,)})

    def query(self) -> dict[str, str]:
        """URL query parameters: only the set filters, multi-values comma-joined."""
        return {k: v if isinstance(v, str) else ",".join(v) for k, v in self._values.items() if v}

    def describe(self, lang: str) -> str:
        """A one-line description, for titles and file subtitles: 生态文明建设 · 广东."""
        parts = []
        for spec in REGISTRY:
            value = self[spec.key]
            if not value:
                continue
            if spec.is_text:
                parts.append(f"“{value}”" if lang == "zh" else f'"{value}"')
            else:
                parts.append(("、" if lang == "zh" else ", ").join(spec.label(v, lang) for v in value))
        return " · ".join(parts)


Choices = dict[str, frozenset[str]]


def choices_from(measures: pd.DataFrame) -> Choices:
    """The values each choice filter accepts: its vocabulary, some taken from the loaded data."""
    return {spec.key: frozenset(spec.vocabulary(measures)) for spec in REGISTRY if not spec.is_text}


def _values(raw: str | Iterable[str]) -> list[str]:
    """All values of a key: repeated keys and comma-separated values both count."""
    items = [raw] if isinstance(raw, str) else list(raw)
    return [v.strip() for item in items for v in str(item).split(",") if v.strip()]


def from_query(params: Mapping[str, str | Iterable[str]], choices: Choices) -> tuple[Filters, list[Note]]:
    """Read Filters from URL query parameters, keeping only known values; other view keys are skipped."""
    notes: list[Note] = []
    picked: dict[str, object] = {}
    for key, raw in params.items():
        if key in (*CARRIED_KEYS, *PAGE_KEYS, *OTHER_KEYS):
            continue
        spec = SPECS.get(key)
        if spec is None:
            notes.append(Note(key[:MAX_VALUE_CHARS], "", "unknown parameter"))
            continue
        values = _values(raw)
        if spec.is_text:
            text = " ".join(values)
            if len(text) > MAX_QUERY_CHARS:
                notes.append(Note(key, text[:40] + "…", f"longer than {MAX_QUERY_CHARS} characters"))
                text = ""
            picked[key] = text
            continue
        kept: list[str] = []
        for value in values[:MAX_VALUES]:
            if len(value) > MAX_VALUE_CHARS:
                notes.append(Note(key, value[:40] + "…", "value too long"))
            elif value not in choices[key]:
                notes.append(Note(key, value, "unknown value"))
            elif value not in kept:
                kept.append(value)
        if len(values) > MAX_VALUES:
            notes.append(Note(key, "", f"more than {MAX_VALUES} values; the rest ignored"))
        picked[key] = tuple(kept)
    return Filters(**picked), notes


# Each filter's mask of a frame, by (frame, filter, chosen values): the sidebar's facets ask for the same masks
# again and again (each facet keeps every other filter), and a search mask is a text scan.
_MASKS: OrderedDict[tuple, tuple[pd.DataFrame, np.ndarray]] = OrderedDict()
_MASKS_LOCK = threading.Lock()
MASKS_KEPT = 256


def _spec_mask(measures: pd.DataFrame, spec: FilterSpec, chosen: tuple[str, ...] | str) -> np.ndarray:
    key = (id(measures), spec.key, chosen)  # the entry holds the frame: its id is not reused while kept
    with _MASKS_LOCK:
        kept = _MASKS.get(key)
        if kept is not None:
            _MASKS.move_to_end(key)
            return kept[1]
    mask = spec.mask(measures, chosen).to_numpy(dtype=bool)
    with _MASKS_LOCK:
        _MASKS[key] = (measures, mask)
        while len(_MASKS) > MASKS_KEPT:
            _MASKS.popitem(last=False)
    return mask


def _keep(measures: pd.DataFrame, current: Filters) -> np.ndarray:
    keep = np.ones(len(measures), dtype=bool)
    for spec in REGISTRY:
        if current[spec.key]:
            keep &= _spec_mask(measures, spec, current[spec.key])
    return keep


def apply(measures: pd.DataFrame, current: Filters) -> pd.DataFrame:
    """The measures that pass every filter."""
    return measures[_keep(measures, current)]


def lights_asked(current: Filters) -> bool | None:
    """True when a status or light filter is active, so maps show the traffic lights; None lets the map
    decide (panprd.map.spec: on when a shown action has a light other than grey)."""
    return True if current["status"] or current["light"] else None


def facet_counts(measures: pd.DataFrame, current: Filters, key: str) -> dict[str, int]:
    """For each value of one filter, how many rows it would give with the other filters kept."""
    spec = SPECS[key]  # one column of the kept rows, not the whole frame
    return spec.counts(spec.row_values(measures).to_numpy(dtype=object)[_keep(measures, current.without(key))])


# ---------------------------------------------------------------- the view state and its links


def page_href(page: str, params: Mapping[str, str] | None = None) -> str:
    """Relative link to a page with a query string: ./measures?unit=…, ./?place=… for the overview."""
    query = urlencode({k: v for k, v in (params or {}).items() if v not in ("", None)})
    path = pages.BY_KEY[page].path
    return f"{path}?{query}" if query else path


@dataclass(frozen=True)
class ViewState:
    """What one URL shows: the page, its filters, the language, presenter mode, type size and the page's keys."""

    page: str = pages.PAGES[0].key
    filters: Filters = Filters()
    lang: str = "zh"
    present: bool = False
    feature: str | None = None
    clause: str | None = None
    measure: str | None = None  # one action opened on /tracking
    large: bool = False  # larger type for older readers (size=large, issue 22)

    def query(self) -> dict[str, str]:
        """The URL query of this view, in a stable order: filters, page keys, then carried keys."""
        out = self.filters.query()
        if self.feature:
            out["feature"] = self.feature
        if self.clause:
            out["clause"] = self.clause
        if self.measure:
            out["measure"] = self.measure
        if self.lang != "zh":
            out["lang"] = self.lang
        if self.present:
            out["present"] = "1"
        if self.large:
            out["size"] = "large"
        return out

    def target(self, page: str | None = None, **changes: object) -> ViewState:
        """This view changed: another page (its page keys dropped unless given), other filters, language,
        presenter mode, feature, clause or measure."""
        if page and page != self.page:
            changes = {"feature": None, "clause": None, "measure": None, **changes}
        return replace(self, page=page or self.page, **changes)

    def href(self, page: str | None = None, **changes: object) -> str:
        """The relative link to `target(page, **changes)`: every link in the app is made here."""
        target = self.target(page, **changes)
        return page_href(target.page, target.query())

    def with_filters(self, current: Filters) -> ViewState:
        return replace(self, filters=current)


def view_from_query(page: str, params: Mapping[str, str | Iterable[str]], choices: Choices,
                    features: frozenset[str], clauses: frozenset[str], measures: Collection[str] = ()
                    ) -> tuple[ViewState, list[Note]]:
    """Read the whole view state of a URL. Unknown features, clauses and measures are noted and ignored."""
    current, notes = from_query(params, choices)

    def one(key: str) -> str:
        values = _values(params.get(key, ""))
        return values[-1] if values else ""

    lang = one("lang") if one("lang") in LANGS else "zh"
    feature, clause = one("feature"), one("clause")
    if feature and feature not in features:
        notes.append(Note("feature", feature[:40], "unknown feature"))
        feature = ""
    if clause and clause not in clauses:
        notes.append(Note("clause", clause[:40], "unknown clause"))
        clause = ""
    measure = one("measure")
    if measure and measure not in measures:
        notes.append(Note("measure", measure[:40], "unknown measure"))
        measure = ""
    size = one("size")
    if size and size != "large":
        notes.append(Note("size", size[:40], "unknown value"))
    view = ViewState(page, current, lang, one("present") == "1", feature or None, clause or None, measure or None,
                     large=size == "large")
    return view, notes
