"""Pure functions behind the explorer, lead-unit, policy-text pages and presenter mode (no Streamlit).

- facets: Datasette-style counts, for each filter value, of the rows that choosing it would give;
- the explorer table and the lead units × themes matrix, with the links each row carries;
- the policy text parsed into its sections and numbered clauses (the provenance of every record);
- saved views (`views.toml`) and the presenter's steps, each step a URL a presenter can bookmark.

Links are relative (`./measures?…`, `./policy?clause=4.1`) so they work wherever the app is mounted;
the overview is the app's root, `./?…`.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from panprd import data, export, filters, vocab

# The pages' URL paths, in navigation order; the overview is served at the root.
PAGE_PATHS: tuple[str, ...] = ("overview", "corridors", "transfer_zones", "ecology", "measures", "units", "policy")
LAYER_PAGES: dict[str, str] = {"corridor": "corridors", "transfer_zone": "transfer_zones", "ecology": "ecology"}
VIEWS_PATH = data.APP_DIR / "views.toml"
# Query keys carried from page to page besides the filters (page-specific keys such as feature are not).
CARRIED_KEYS: tuple[str, ...] = ("lang", "present")
FACET_KEYS: tuple[str, ...] = tuple(k for k in vocab.FILTER_KEYS if k != "q")
_NUMERALS = {v: k for k, v in vocab.SECTION_NUMERALS.items()}


# ---------------------------------------------------------------- links


def page_href(page: str, params: dict[str, str] | None = None) -> str:
    """Relative link to a page with a query string: ./measures?unit=…, ./?place=… for the overview."""
    path = "./" if page == "overview" else f"./{page}"
    query = urlencode({k: v for k, v in (params or {}).items() if v != ""})
    return f"{path}?{query}" if query else path


def carried(params: dict[str, str]) -> dict[str, str]:
    """The keys that follow the user to another page (language, presenter mode)."""
    return {k: params[k] for k in CARRIED_KEYS if params.get(k)}


def filter_params(params: dict[str, str]) -> dict[str, str]:
    return {k: params[k] for k in vocab.FILTER_KEYS if params.get(k)}


def value_label(key: str, value: str, lang: str) -> str:
    """The label of one filter value in the UI language (lead units and free text are themselves)."""
    table = {"theme": vocab.THEMES, "topic": vocab.TOPICS, "partner": vocab.PARTNERS, "place": vocab.FUJIAN_UNITS}
    term = table.get(key, {}).get(value)
    return term.label(lang) if term else value


def describe_filters(current: filters.Filters, lang: str) -> str:
    """A one-line description of the filters, for titles: 生态文明建设 · 广东."""
    parts: list[str] = []
    for key in FACET_KEYS:
        values = getattr(current, key)
        if values:
            parts.append(("、" if lang == "zh" else ", ").join(value_label(key, v, lang) for v in values))
    if current.q:
        parts.append(f"“{current.q}”" if lang == "zh" else f'"{current.q}"')
    return " · ".join(parts)


# ---------------------------------------------------------------- facets


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # rows this choice would give with the other filters kept
    selected: bool
    params: dict[str, str] = field(hash=False, compare=False)  # the filter query with this value toggled


@dataclass(frozen=True)
class Facet:
    key: str
    values: tuple[FacetValue, ...]


def toggled(current: filters.Filters, key: str, value: str) -> filters.Filters:
    """The filters a facet link leads to: a chosen value removed; another value chosen instead of the
    key's current values, so that the rows the link gives are the count shown beside it."""
    values = tuple(getattr(current, key))
    new = tuple(v for v in values if v != value) if value in values else (value,)
    return current.with_values(**{key: new})


def facets(measures: pd.DataFrame, current: filters.Filters, lang: str) -> list[Facet]:
    """For each filter, its values with the number of rows each would give, most rows first.

    Chosen values come first and are always listed, even with 0 rows; values with no row are left out.
    """
    out = []
    order = {"theme": list(vocab.THEMES), "topic": list(vocab.TOPICS), "partner": list(vocab.PARTNERS),
             "place": list(vocab.FUJIAN_UNITS)}
    for key in FACET_KEYS:
        counts = filters.facet_counts(measures, current, key)
        chosen = list(getattr(current, key))
        rank = {v: i for i, v in enumerate(order.get(key, sorted(counts)))}
        others = sorted((v for v in counts if v not in chosen and counts[v] > 0),
                        key=lambda v: (-counts[v], rank.get(v, len(rank)), v))
        values = tuple(
            FacetValue(v, value_label(key, v, lang), counts.get(v, 0), v in chosen,
                       filters.to_query(toggled(current, key, v)))
            for v in [*chosen, *others]
        )
        out.append(Facet(key, values))
    return out


# ---------------------------------------------------------------- the explorer table


def clause_ref(section: int, clause: int) -> str:
    return f"{section}.{clause}"


def clause_label(section: int, clause: int) -> str:
    return f"{vocab.SECTION_NUMERALS[section]}（{vocab.SECTION_NUMERALS[clause]}）"


def clause_anchor(ref: str) -> str:
    return "clause-" + ref.replace(".", "-")


def explorer_table(ds: data.Dataset, measures: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One display row per filtered action; `source` is the link to its clause in the policy text."""
    extra = {"lang": lang} if lang != "zh" else {}
    features = ds.geo.features

    def feature_names(fids: tuple[str, ...]) -> str:
        col = "name_zh" if lang == "zh" else "name_en"
        return "; ".join(str(features.at[f, col]) if f in features.index else f for f in fids)

    sep = "、" if lang == "zh" else "; "
    return pd.DataFrame({
        "measure_id": measures["measure_id"].astype(str),
        "source": [page_href("policy", {"clause": clause_ref(s, c), **extra})
                   for s, c in zip(measures["section"], measures["clause"])],
        "clause": [clause_label(s, c) for s, c in zip(measures["section"], measures["clause"])],
        "theme": [vocab.THEMES[v].label(lang) for v in measures["theme"]],
        "topic": [vocab.TOPICS[v].label(lang) for v in measures["topic"]],
        "title": measures["title_zh" if lang == "zh" else "title_en"].astype(str),
        "lead_units": [sep.join(u) for u in measures["lead_units"]],
        "places": [sep.join(data.place_name(ds, c, lang) for c in codes) for codes in measures["places"]],
        "partners": [sep.join(vocab.PARTNERS[p].label(lang) for p in ps) for ps in measures["partners"]],
        "features": [feature_names(f) for f in measures["features"]],
        "text_zh": measures["text_zh"].astype(str),
    }).reset_index(drop=True)


def known_clauses(ds: data.Dataset) -> set[str]:
    return {clause_ref(s, c) for s, c in data.clauses_of_source(ds.source_text)}


def rows_of_clause(measures: pd.DataFrame, ref: str) -> pd.DataFrame:
    section, clause = (int(p) for p in ref.split("."))
    return measures[(measures["section"] == section) & (measures["clause"] == clause)]


# ---------------------------------------------------------------- lead units × themes


@dataclass(frozen=True)
class UnitRow:
    unit: str
    counts: tuple[int, ...]  # per theme, in UnitMatrix.themes order
    total: int
    href: str  # the explorer filtered by this unit, keeping the other query parameters


@dataclass(frozen=True)
class UnitMatrix:
    themes: tuple[str, ...]  # theme slugs with at least one action
    rows: tuple[UnitRow, ...]
    max_count: int

    def cell_href(self, row: UnitRow, theme: str, params: dict[str, str]) -> str:
        return page_href("measures", {**unit_params(params, row.unit), "theme": theme})


def unit_params(params: dict[str, str], unit: str) -> dict[str, str]:
    """The query for the explorer filtered by one unit: the other filters and carried keys kept."""
    return {**filter_params(params), **carried(params), "unit": unit}


def unit_matrix(measures: pd.DataFrame, params: dict[str, str]) -> UnitMatrix:
    """Lead units × themes (counts of actions), from export.unit_matrix, most actions first."""
    matrix = export.unit_matrix(measures, "zh")
    by_label = {vocab.THEMES[t].zh: t for t in vocab.THEMES}
    themes = tuple(by_label[c] for c in matrix.columns if c in by_label)
    rows = tuple(
        UnitRow(str(unit), tuple(int(counts[vocab.THEMES[t].zh]) for t in themes), int(counts["total"]),
                page_href("measures", unit_params(params, str(unit))))
        for unit, counts in matrix.iterrows()
    )
    top = max((c for r in rows for c in r.counts), default=0)
    return UnitMatrix(themes, rows, top)


# ---------------------------------------------------------------- the policy text


@dataclass(frozen=True)
class Paragraph:
    kind: str  # "text" or "units" (a 责任单位 line)
    text: str


@dataclass(frozen=True)
class Clause:
    section: int
    number: int
    paragraphs: tuple[Paragraph, ...]

    @property
    def ref(self) -> str:
        return clause_ref(self.section, self.number)

    @property
    def anchor(self) -> str:
        return clause_anchor(self.ref)

    @property
    def label(self) -> str:
        return clause_label(self.section, self.number)

    @property
    def heading(self) -> str:
        """The clause's title sentence: its first paragraph up to the first 。, without the numeral."""
        first = re.sub(r"^（[一二三四五六七八九十]+）", "", self.paragraphs[0].text)
        return first.split("。", 1)[0]


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    paragraphs: tuple[str, ...]  # text under the heading that belongs to no clause (section 一)
    clauses: tuple[Clause, ...]

    @property
    def numeral(self) -> str:
        return vocab.SECTION_NUMERALS.get(self.number, str(self.number))


@dataclass(frozen=True)
class PolicyText:
    preamble: tuple[str, ...]
    sections: tuple[Section, ...]
    closing: tuple[str, ...]

    @property
    def clauses(self) -> list[Clause]:
        return [c for s in self.sections for c in s.clauses]

    def clause(self, ref: str) -> Clause | None:
        return next((c for c in self.clauses if c.ref == ref), None)


_SECTION_HEAD = re.compile(r"^([一二三四五六七八九十]+)、(.*)$")
_CLAUSE_HEAD = re.compile(r"^（([一二三四五六七八九十]+)）")
_UNITS_LINE = re.compile(r"^责任单位[:：]")


def parse_policy(source_text: str) -> PolicyText:
    """The text in its sections and numbered clauses.

    A paragraph after a clause's 责任单位 line belongs to that clause when its own 责任单位 line
    follows before the next heading (the 原中央苏区 paragraph after 四（三）); otherwise it is the
    closing text (the last paragraph, the signature and the date).
    """
    preamble: list[str] = []
    sections: list[dict] = []
    clause: dict | None = None
    pending: list[Paragraph] = []  # text after a clause's units line, not yet known to be the clause's

    def settle() -> None:
        nonlocal pending
        if clause is not None and pending:
            clause["paragraphs"].extend(pending)
        pending = []

    for raw in source_text.splitlines():
        line = raw.strip(" \t\u3000\ufeff")
        if not line:
            continue
        head = _SECTION_HEAD.match(line)
        if head and head[1] in _NUMERALS:
            settle()
            clause = None
            sections.append({"number": _NUMERALS[head[1]], "title": head[2].strip(), "paragraphs": [],
                             "clauses": []})
            continue
        sub = _CLAUSE_HEAD.match(line)
        if sub and sections and sub[1] in _NUMERALS:
            settle()
            clause = {"section": sections[-1]["number"], "number": _NUMERALS[sub[1]], "paragraphs": []}
            sections[-1]["clauses"].append(clause)
            clause["paragraphs"].append(Paragraph("text", line))
            continue
        if _UNITS_LINE.match(line) and clause is not None:
            settle()
            clause["paragraphs"].append(Paragraph("units", line))
            continue
        if clause is not None:
            if clause["paragraphs"][-1].kind == "units":
                pending.append(Paragraph("text", line))
            else:
                clause["paragraphs"].append(Paragraph("text", line))
        elif sections:
            sections[-1]["paragraphs"].append(line)
        else:
            preamble.append(line)
    closing = tuple(p.text for p in pending)
    return PolicyText(
        preamble=tuple(preamble),
        sections=tuple(
            Section(s["number"], s["title"], tuple(s["paragraphs"]),
                    tuple(Clause(c["section"], c["number"], tuple(c["paragraphs"])) for c in s["clauses"]))
            for s in sections
        ),
        closing=closing,
    )


@dataclass(frozen=True)
class Chip:
    kind: str  # "action", "place", "partner" or "feature"
    label: str
    href: str
    key: str  # the measure id, unit or partner code, or feature id


def clause_chips(ds: data.Dataset, rows: pd.DataFrame, lang: str) -> dict[str, list[Chip]]:
    """The chips of one clause's actions: the actions, their Fujian places, partners and features.

    An action opens the explorer on that action (its clause and its title as the search); a place the
    overview filtered to it; a partner the overview filtered to it; a feature the map of its layer
    zoomed to it.
    """
    extra = {"lang": lang} if lang != "zh" else {}
    title_col = "title_zh" if lang == "zh" else "title_en"
    actions = [
        Chip("action", f"{mid} {row[title_col]}",
             page_href("measures", {"clause": clause_ref(row["section"], row["clause"]), "q": row["title_zh"],
                                    **extra}), str(mid))
        for mid, row in rows.iterrows()
    ]
    places = list(dict.fromkeys(u for units in rows["fujian_units"] for u in units))
    partners = list(dict.fromkeys(p for ps in rows["partners"] for p in ps))
    fids = list(dict.fromkeys(f for fs in rows["features"] for f in fs))
    features = ds.geo.features
    feature_chips = []
    for fid in fids:
        if fid not in features.index:
            continue
        feat = features.loc[fid]
        name = feat["name_zh"] if lang == "zh" else feat["name_en"]
        feature_chips.append(Chip("feature", str(name),
                                  page_href(LAYER_PAGES.get(feat["layer"], "overview"), {"feature": fid, **extra}),
                                  fid))
    return {
        "action": actions,
        "place": [Chip("place", vocab.FUJIAN_UNITS[u].label(lang), page_href("overview", {"place": u, **extra}), u)
                  for u in places],
        "partner": [Chip("partner", vocab.PARTNERS[p].label(lang), page_href("overview", {"partner": p, **extra}), p)
                    for p in partners],
        "feature": feature_chips,
    }


# ---------------------------------------------------------------- saved views and presenter steps


@dataclass(frozen=True)
class SavedView:
    title_zh: str
    title_en: str
    page: str
    query: str

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query.lstrip("?"), keep_blank_values=False))


class ViewsError(ValueError):
    """views.toml cannot be used; the message names the entry and the field."""


def parse_views(text: str) -> list[SavedView]:
    """The `[[view]]` entries of views.toml, each with title_zh, title_en, page and query."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ViewsError(f"views.toml: {exc}") from None
    entries = doc.get("view", [])
    if not isinstance(entries, list):
        raise ViewsError("views.toml: `view` must be an array of tables ([[view]])")
    views = []
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ViewsError(f"views.toml: view {n} is not a table")
        for key in ("title_zh", "title_en", "page", "query"):
            if not isinstance(entry.get(key), str):
                raise ViewsError(f"views.toml: view {n} has no text `{key}`")
        if entry["page"] not in PAGE_PATHS:
            raise ViewsError(f"views.toml: view {n}: page '{entry['page']}' is not one of {', '.join(PAGE_PATHS)}")
        views.append(SavedView(entry["title_zh"], entry["title_en"], entry["page"], entry["query"]))
    return views


def load_views(path: Path = VIEWS_PATH) -> list[SavedView]:
    """The saved views of the repository; none when the file is missing."""
    if not path.exists():
        return []
    return parse_views(path.read_text(encoding="utf-8"))


def view_problems(view: SavedView, ds: data.Dataset) -> list[str]:
    """What in a view's query the app would ignore (unknown keys or values); empty when it is sound."""
    params = view.params
    problems = []
    choices = filters.choices_from(ds.measures)
    page_only = {k: params.pop(k) for k in ("feature", "clause") if k in params}
    _, notes = filters.from_query(params, choices)
    problems += [f"{n.key}={n.value}: {n.reason}" for n in notes]
    for key in params:
        if key in filters.VIEW_KEYS:
            problems.append(f"{key}: a view key; a saved view holds filters (present is added by the presenter)")
    if "feature" in page_only and page_only["feature"] not in ds.geo.features.index:
        problems.append(f"feature={page_only['feature']}: unknown feature")
    if "clause" in page_only and page_only["clause"] not in known_clauses(ds):
        problems.append(f"clause={page_only['clause']}: unknown clause")
    return problems


@dataclass(frozen=True)
class Step:
    """One presenter step: a page with its query (present=1 included), and its title."""

    page: str
    params: dict[str, str] = field(hash=False)
    title_zh: str = ""
    title_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    @property
    def href(self) -> str:
        return page_href(self.page, self.params)


def _same_filters(a: dict[str, str], b: dict[str, str]) -> bool:
    def norm(params: dict[str, str]) -> dict[str, frozenset[str]]:
        out = {}
        for key, value in params.items():
            if key in (*vocab.FILTER_KEYS, "feature", "clause") and value:
                out[key] = frozenset(v.strip() for v in value.split(",") if v.strip()) if key != "q" else {value}
        return out

    return norm(a) == norm(b)


def theme_steps(page: str, params: dict[str, str]) -> list[Step]:
    """Step through the themes on this page: present=1&theme=<theme> (and the language), one step per
    section of the policy. The other filters are left out, so a theme step is never a saved view."""
    base = {"lang": params["lang"]} if params.get("lang") else {}
    return [Step(page, {**base, "theme": key, "present": "1"}, term.zh, term.en) for key, term in vocab.THEMES.items()]


def view_steps(views: list[SavedView], lang: str) -> list[Step]:
    """Step through the saved views: each view's own page and query, plus present=1 (and the language)."""
    extra = {"lang": lang} if lang != "zh" else {}
    return [Step(v.page, {**v.params, **extra, "present": "1"}, v.title_zh, v.title_en) for v in views]


def view_position(views: list[SavedView], page: str, params: dict[str, str]) -> int | None:
    """The index of the saved view this page and query show (filter order and value order ignored)."""
    for i, view in enumerate(views):
        if view.page == page and _same_filters(view.params, params):
            return i
    return None


def theme_position(params: dict[str, str]) -> int | None:
    """The theme step this query shows: one theme and no other filter; None otherwise."""
    themes = list(vocab.THEMES)
    value = params.get("theme", "")
    if value not in themes or set(filter_params(params)) != {"theme"}:
        return None
    return themes.index(value)


# ---------------------------------------------------------------- data version


def data_version(root: Path | None = None) -> str:
    """A short hash of measures.csv and the geodata bytes: which version of the data an export shows."""
    root = root or data.ROOT
    digest = hashlib.sha256()
    for path in [root / "measures.csv", *sorted((root / "geodata").glob("*.geojson"))]:
        if path.exists():
            digest.update(path.name.encode() + b"\0")
            digest.update(data.read_stable(path))
    return digest.hexdigest()[:12]
