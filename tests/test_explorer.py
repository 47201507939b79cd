"""The explorer's pure functions: facets, the lead-unit matrix, the policy text's clauses, saved views, steps."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from panprd import explorer, export, filters

ECOLOGY_GD = filters.Filters(theme=("ecology",), partner=("440000",))
ECOLOGY_GD_VIEW = filters.ViewState("measures", ECOLOGY_GD)


def query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


# ---------------------------------------------------------------- facets


def test_facet_counts_are_the_rows_each_choice_would_give(ds):
    facets = {f.key: f for f in explorer.facets(ds.measures, ECOLOGY_GD_VIEW)}
    assert list(facets) == ["theme", "topic", "partner", "place", "unit", "status", "light"]
    choices = filters.choices_from(ds.measures)
    for facet in facets.values():
        for value in facet.values:
            others = ECOLOGY_GD.with_values(**{facet.key: ()})
            expected = filters.apply(ds.measures, others.with_values(**{facet.key: (value.value,)}))
            assert value.count == len(expected), (facet.key, value.value)
            if not value.selected:  # the link gives exactly the rows counted
                linked, notes = filters.from_query(query_of(value.href), choices)
                assert notes == [] and linked == value.filters
                assert len(filters.apply(ds.measures, linked)) == value.count
    # chosen values first, marked, and a link that removes them
    theme = facets["theme"].values[0]
    assert theme.value == "ecology" and theme.selected and query_of(theme.href) == {"partner": "440000"}
    assert theme.label == "生态文明建设"
    counts = [v.count for v in facets["theme"].values[1:]]
    assert counts == sorted(counts, reverse=True) and all(c > 0 for c in counts)


def test_facets_label_in_english_and_keep_zero_count_choices(ds):
    nothing = filters.Filters(theme=("ecology",), partner=("810000",))  # no ecology action names Hong Kong
    assert filters.apply(ds.measures, nothing).empty
    facets = {f.key: f for f in explorer.facets(ds.measures, filters.ViewState("measures", nothing, "en"))}
    assert facets["partner"].values[0].label == "Hong Kong" and facets["partner"].values[0].selected
    assert facets["theme"].values[0].label == "Ecological civilisation"


# ---------------------------------------------------------------- table and matrix


def test_explorer_table_rows_link_to_their_clause(ds):
    rows = filters.apply(ds.measures, ECOLOGY_GD)
    table = explorer.explorer_table(ds, rows, ECOLOGY_GD_VIEW)
    assert list(table["measure_id"]) == list(rows.index)
    for mid, href in zip(table["measure_id"], table["source"]):
        section, clause, _ = mid.split(".")
        assert href == f"./policy?clause={section}.{clause}"
    assert set(table["theme"]) == {"生态文明建设"}
    assert all("广东" in p for p in table["partner"])
    english = explorer.explorer_table(ds, rows, filters.ViewState("measures", lang="en"))
    assert english["source"][0].endswith("&lang=en") and set(english["theme"]) == {"Ecological civilisation"}


def test_unit_matrix_counts_and_links(ds):
    view = filters.ViewState("units", filters.Filters(theme=("ecology",), unit=("省发改委",)), "en",
                             feature="rail_xiangpu")
    rows = filters.apply(ds.measures, filters.Filters(theme=("ecology",)))
    matrix = explorer.unit_matrix(rows, view)
    reference = export.unit_matrix(rows)
    assert [r.unit for r in matrix.rows] == list(reference.index)
    assert [r.total for r in matrix.rows] == list(reference["total"])
    assert matrix.themes == ("ecology",)
    first = matrix.rows[0]
    query = query_of(first.href)
    assert first.href.startswith("./measures?")
    assert query == {"theme": "ecology", "lang": "en", "unit": first.unit}  # other params kept, feature dropped
    assert filters.from_query(query, filters.choices_from(ds.measures))[1] == []


def test_unit_names_are_normalised_so_one_unit_is_one_row(ds):
    matrix = explorer.unit_matrix(ds.measures, filters.ViewState("units"))
    units = [r.unit for r in matrix.rows]
    assert "省发改委" in units and "发改委" not in units
    assert len(units) == len(set(units))
    assert sum(r.total for r in matrix.rows) == sum(len(u) for u in ds.measures["lead_units"])
    top = matrix.rows[0]
    assert top.unit == "省发改委" and top.total == max(r.total for r in matrix.rows)


def test_clause_chips_link_to_the_maps_and_the_explorer(ds):
    rows = explorer.rows_of_clause(ds.measures, "8.1")
    chips = explorer.clause_chips(ds, rows, filters.ViewState("policy"))
    assert [c.key for c in chips["action"]] == list(rows.index)
    choices = filters.choices_from(ds.measures)
    for chip in chips["action"]:  # each action chip opens the explorer on exactly that action
        query = query_of(chip.href)
        assert query["clause"] == "8.1"
        found = explorer.rows_of_clause(filters.apply(ds.measures, filters.from_query(query, choices)[0]), "8.1")
        assert chip.key in found.index
    assert {c.href for c in chips["place"]} >= {"./?place=350800"}
    assert {c.href for c in chips["partner"]} >= {"./?partner=440000"}
    features = {c.key: c.href for c in chips["feature"]}
    assert features["basin_tingjiang_hanjiang"] == "./ecology?feature=basin_tingjiang_hanjiang"
    corridor = explorer.clause_chips(ds, explorer.rows_of_clause(ds.measures, "4.1"),
                                     filters.ViewState("policy", lang="en"))["feature"]
    assert any(c.href.startswith("./corridors?feature=") and c.href.endswith("&lang=en") for c in corridor)
