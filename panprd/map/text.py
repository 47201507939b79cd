"""The map in words (issue 22), for screen readers and the keyboard: a summary of what a spec shows (how
many features of which kinds, the Fujian units and how they are shaded, the filters) and the list of
every drawn feature and Fujian unit, each a link that opens it on the map (`?feature=`), with its kind or
number of actions and its traffic light in words and shape. Pure data like the spec; the page draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from panprd import ledger_view, pages, vocab
from panprd.i18n import t
from panprd.map.spec import MapSpec
from panprd.tracking.status import LIGHTS, PlaceLight


@dataclass(frozen=True)
class Entry:
    """One thing the map draws: a feature id or Fujian unit code, its name, and what it is."""

    key: str
    name: str
    detail: str


def _light(place: PlaceLight | None, spec: MapSpec) -> str:
    if not spec.lights or place is None:
        return ""
    return f" · {ledger_view.LIGHT_SYMBOLS[place.light]} {LIGHTS[place.light].label(spec.lang)}"


def entries(spec: MapSpec) -> tuple[Entry, ...]:
    """The drawn features in the legend's order of kinds (then by name), then Fujian's ten units."""
    lang = spec.lang
    order = {kind: i for i, kind in enumerate(vocab.FEATURE_KINDS)}
    rows = sorted(spec.features.iterrows(), key=lambda r: (order.get(r[1]["kind"], len(order)), r[1][f"name_{lang}"]))
    features = tuple(Entry(fid, row[f"name_{lang}"], vocab.FEATURE_KINDS[row["kind"]].label(lang)
                           + _light(spec.feature_lights.get(fid), spec)) for fid, row in rows)
    units = tuple(Entry(code, term.label(lang), t("map_entry_actions", lang).format(n=spec.unit_counts.get(code, 0))
                        + _light(spec.unit_lights.get(code), spec)) for code, term in vocab.FUJIAN_UNITS.items())
    return features + units


def summary(spec: MapSpec, filters_text: str) -> str:
    """One paragraph that says what the map shows: page, features by kind, units and their shading, filters."""
    lang = spec.lang
    counts: dict[str, int] = {}
    for kind in spec.features["kind"]:
        counts[kind] = counts.get(kind, 0) + 1
    kinds = ("、" if lang == "zh" else ", ").join(
        f"{vocab.FEATURE_KINDS[k].label(lang)} {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    shading = t("map_shading_choropleth", lang) if spec.choropleth else ""
    if spec.lights:
        shading += t("map_shading_lights", lang)
    return t("map_summary", lang).format(
        page=pages.BY_KEY[spec.page].title(lang), features=len(spec.features), kinds=kinds or "—",
        units=len(vocab.FUJIAN_UNITS), shading=shading, filters=filters_text or t("map_no_filters", lang))
