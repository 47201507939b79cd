"""Pure functions behind the explorer, lead-unit and policy-text pages (no Streamlit).

- facets: Datasette-style counts, for each filter value, of the rows that choosing it would give;
- the explorer table and the lead units × themes matrix, with the links each row carries;
- the chips of a clause: its actions, places, partners and features, each a link.

Every link is made by `filters.ViewState.href`, so it keeps the language and presenter mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from panprd import data, export, filters, ledger_view, pages, policy, vocab
from panprd.tracking.status import UnitProgress


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # rows this choice would give with the other filters kept
    selected: bool
    filters: filters.Filters  # the filters with this value toggled
    href: str


@dataclass(frozen=True)
class Facet:
    key: str
    values: tuple[FacetValue, ...]


def facets(measures: pd.DataFrame, view: filters.ViewState) -> list[Facet]:
    """For each choice filter, its values with the number of rows each would give, most rows first.

    Chosen values come first and are always listed, even with 0 rows; values with no row are left out.
    """
    out = []
    for spec in filters.REGISTRY:
        if spec.is_text:
            continue
        counts = filters.facet_counts(measures, view.filters, spec.key)
        chosen = list(view.filters[spec.key])
        rank = {v: i for i, v in enumerate(spec.vocabulary(measures))}
        others = sorted((v for v in counts if v not in chosen and counts[v] > 0),
                        key=lambda v: (-counts[v], rank.get(v, len(rank)), v))
        values = []
        for value in [*chosen, *others]:
            toggled = view.filters.toggled(spec.key, value)
            values.append(FacetValue(value, spec.label(value, view.lang), counts.get(value, 0), value in chosen,
                                     toggled, view.href(filters=toggled)))
        out.append(Facet(spec.key, tuple(values)))
    return out


def rows_of_clause(measures: pd.DataFrame, ref: str) -> pd.DataFrame:
    section, clause = policy.parse_ref(ref)
    return measures[(measures["section"] == section) & (measures["clause"] == clause)]


def explorer_table(ds: data.Dataset, measures: pd.DataFrame, view: filters.ViewState) -> pd.DataFrame:
    """One display row per filtered action: one column per choice filter, labelled in the UI language;
    `source` is the link to its clause in the policy text."""
    lang = view.lang
    features = ds.geo.features
    name_col = "name_zh" if lang == "zh" else "name_en"
    sep = "、" if lang == "zh" else "; "
    columns: dict[str, object] = {
        "measure_id": measures["measure_id"].astype(str),
        "source": [view.href("policy", filters=filters.Filters(), clause=policy.clause_ref(s, c))
                   for s, c in zip(measures["section"], measures["clause"])],
        "clause": [policy.clause_label(s, c) for s, c in zip(measures["section"], measures["clause"])],
        "title": measures["title_zh" if lang == "zh" else "title_en"].astype(str),
    }
    for spec in filters.REGISTRY:
        if not spec.is_text:
            columns[spec.key] = [
                spec.label(v, lang) if isinstance(v, str) else sep.join(spec.label(x, lang) for x in v)
                for v in spec.row_values(measures)]
    for key in ("as_of", "due"):  # the ledger's dates (empty with no report or no ledger)
        columns[key] = measures[key].astype(str) if key in measures.columns else ""
    columns["features"] = ["; ".join(str(features.at[f, name_col]) if f in features.index else f for f in fids)
                           for fids in measures["features"]]
    columns["text_zh"] = measures["text_zh"].astype(str)
    return pd.DataFrame(columns).reset_index(drop=True)


@dataclass(frozen=True)
class UnitRow:
    unit: str
    counts: tuple[int, ...]  # per theme, in UnitMatrix.themes order
    total: int
    href: str  # the explorer filtered by this unit, keeping the other filters
    progress: UnitProgress = UnitProgress(0, 0, 0)  # of the rows it leads: confirmed completed, red


@dataclass(frozen=True)
class UnitMatrix:
    themes: tuple[str, ...]  # theme slugs with at least one action
    rows: tuple[UnitRow, ...]
    max_count: int

    def cell_href(self, view: filters.ViewState, row: UnitRow, theme: str) -> str:
        return view.href("measures", filters=view.filters.with_values(unit=(row.unit,), theme=(theme,)))


def unit_matrix(measures: pd.DataFrame, view: filters.ViewState) -> UnitMatrix:
    """Lead units × themes (counts of actions), from export.unit_matrix, most actions first; with each
    unit's progress on the actions it leads (ledger_view.unit_progress: confirmed completed / led, red)."""
    matrix = export.unit_matrix(measures, "zh")
    progress = ledger_view.unit_progress(measures)
    by_label = {vocab.THEMES[t].zh: t for t in vocab.THEMES}
    themes = tuple(by_label[c] for c in matrix.columns if c in by_label)
    rows = tuple(
        UnitRow(str(unit), tuple(int(counts[vocab.THEMES[t].zh]) for t in themes), int(counts["total"]),
                view.href("measures", filters=view.filters.with_values(unit=(str(unit),))),
                progress.get(str(unit), UnitProgress(0, 0, 0)))
        for unit, counts in matrix.iterrows()
    )
    top = max((c for r in rows for c in r.counts), default=0)
    return UnitMatrix(themes, rows, top)


@dataclass(frozen=True)
class Chip:
    kind: str  # "action", "place", "partner" or "feature"
    label: str
    href: str
    key: str  # the measure id, unit or partner code, or feature id


def clause_chips(ds: data.Dataset, rows: pd.DataFrame, view: filters.ViewState) -> dict[str, list[Chip]]:
    """The chips of one clause's actions: the actions, their Fujian places, partners and features.

    An action opens the explorer on that action (its clause and its title as the search); a place the
    overview filtered to it; a partner the overview filtered to it; a feature the map of its layer
    zoomed to it.
    """
    lang = view.lang
    none = filters.Filters()
    title_col = "title_zh" if lang == "zh" else "title_en"
    actions = [
        Chip("action", f"{mid} {row[title_col]}",
             view.href("measures", filters=none.with_values(q=row["title_zh"]),
                       clause=policy.clause_ref(row["section"], row["clause"])), str(mid))
        for mid, row in rows.iterrows()
    ]
    places = list(dict.fromkeys(u for units in rows["fujian_units"] for u in units))
    partners = list(dict.fromkeys(p for ps in rows["partners"] for p in ps))
    fids = [f for f in dict.fromkeys(f for fs in rows["features"] for f in fs) if f in ds.geo.features.index]
    features = ds.geo.features
    return {
        "action": actions,
        "place": [Chip("place", vocab.FUJIAN_UNITS[u].label(lang),
                       view.href("overview", filters=none.with_values(place=(u,))), u) for u in places],
        "partner": [Chip("partner", vocab.PARTNERS[p].label(lang),
                         view.href("overview", filters=none.with_values(partner=(p,))), p) for p in partners],
        "feature": [Chip("feature", str(features.at[f, "name_zh" if lang == "zh" else "name_en"]),
                         view.href(pages.LAYER_PAGE.get(features.at[f, "layer"], "overview"), filters=none,
                                   feature=f), f) for f in fids],
    }
