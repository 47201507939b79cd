"""The explorer's pure functions: facets, the lead-unit matrix, the policy text's clauses, saved views, steps."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from panprd import data, explorer, export, filters, vocab

ECOLOGY_GD = filters.Filters(theme=("ecology",), partner=("440000",))


def query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


# ---------------------------------------------------------------- facets


def test_facet_counts_are_the_rows_each_choice_would_give(ds):
    facets = {f.key: f for f in explorer.facets(ds.measures, ECOLOGY_GD, "zh")}
    assert list(facets) == ["theme", "topic", "partner", "place", "unit"]
    choices = filters.choices_from(ds.measures)
    for facet in facets.values():
        for value in facet.values:
            others = ECOLOGY_GD.with_values(**{facet.key: ()})
            expected = filters.apply(ds.measures, others.with_values(**{facet.key: (value.value,)}))
            assert value.count == len(expected), (facet.key, value.value)
            if not value.selected:  # the link gives exactly the rows counted
                linked, notes = filters.from_query(value.params, choices)
                assert notes == [] and len(filters.apply(ds.measures, linked)) == value.count
    # chosen values first, marked, and a link that removes them
    theme = facets["theme"].values[0]
    assert theme.value == "ecology" and theme.selected and theme.params == {"partner": "440000"}
    assert theme.label == "生态文明建设"
    counts = [v.count for v in facets["theme"].values[1:]]
    assert counts == sorted(counts, reverse=True) and all(c > 0 for c in counts)


def test_facets_label_in_english_and_keep_zero_count_choices(ds):
    nothing = filters.Filters(theme=("ecology",), partner=("810000",))  # no ecology action names Hong Kong
    assert filters.apply(ds.measures, nothing).empty
    facets = {f.key: f for f in explorer.facets(ds.measures, nothing, "en")}
    assert facets["partner"].values[0].label == "Hong Kong" and facets["partner"].values[0].selected
    assert facets["theme"].values[0].label == "Ecological civilisation"


# ---------------------------------------------------------------- table and matrix


def test_explorer_table_rows_link_to_their_clause(ds):
    rows = filters.apply(ds.measures, ECOLOGY_GD)
    table = explorer.explorer_table(ds, rows, "zh")
    assert list(table["measure_id"]) == list(rows.index)
    for mid, href in zip(table["measure_id"], table["source"]):
        section, clause, _ = mid.split(".")
        assert href == f"./policy?clause={section}.{clause}"
    assert set(table["theme"]) == {"生态文明建设"}
    assert all("广东" in p for p in table["partners"])
    english = explorer.explorer_table(ds, rows, "en")
    assert english["source"][0].endswith("&lang=en") and set(english["theme"]) == {"Ecological civilisation"}


def test_unit_matrix_counts_and_links(ds):
    params = {"theme": "ecology", "lang": "en", "feature": "x", "unit": "省发改委"}
    rows = filters.apply(ds.measures, filters.Filters(theme=("ecology",)))
    matrix = explorer.unit_matrix(rows, params)
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
    matrix = explorer.unit_matrix(ds.measures, {})
    units = [r.unit for r in matrix.rows]
    assert "省发改委" in units and "发改委" not in units
    assert len(units) == len(set(units))
    assert sum(r.total for r in matrix.rows) == sum(len(u) for u in ds.measures["lead_units"])
    top = matrix.rows[0]
    assert top.unit == "省发改委" and top.total == max(r.total for r in matrix.rows)


# ---------------------------------------------------------------- policy text


@pytest.fixture(scope="module")
def policy(ds) -> explorer.PolicyText:
    return explorer.parse_policy(ds.source_text)


def test_policy_has_nine_numbered_sections_and_28_clauses(ds, policy):
    numbered = [s for s in policy.sections if s.clauses]
    assert [s.number for s in numbered] == list(range(2, 11))  # 二 to 十
    assert [s.number for s in policy.sections] == list(range(1, 11))  # 一 总体要求 has no clause
    assert len(policy.clauses) == 28
    assert [(c.section, c.number) for c in policy.clauses] == data.clauses_of_source(ds.source_text)
    assert {c.ref for c in policy.clauses} == explorer.known_clauses(ds)
    assert policy.sections[3].title == "推进重大基础设施一体化建设"
    assert policy.clause("4.1").heading == "建设现代化综合交通运输体系"
    assert policy.clause("4.1").anchor == "clause-4-1" and policy.clause("4.1").label == "四（一）"
    assert policy.clause("99.1") is None


def test_the_extra_paragraph_after_4_3_belongs_to_clause_4_3(policy):
    clause = policy.clause("4.3")
    assert [p.kind for p in clause.paragraphs] == ["text", "units", "text", "units"]
    assert clause.paragraphs[2].text.startswith("实施赣闽粤原中央苏区农村超高速无线局域网工程")
    assert clause.paragraphs[3].text == "责任单位：省发改委、经信委等，相关设区市人民政府"
    assert all("苏区" not in p.text for c in policy.clauses if c.ref != "4.3" for p in c.paragraphs)


def test_every_clause_has_its_units_line_and_the_rest_is_preamble_or_closing(ds, policy):
    for clause in policy.clauses:
        assert clause.paragraphs[0].text.startswith("（")
        assert clause.paragraphs[-1].kind == "units", clause.ref
    assert policy.preamble[0].startswith("各设区市人民政府")
    assert policy.closing[-2:] == ("福建省人民政府", "2016年11月14日")
    assert policy.closing[0].startswith("积极参与和深化泛珠三角区域合作")
    # nothing of the text is lost
    text = "".join(ds.source_text.split())
    pieces = [*policy.preamble, *[p for s in policy.sections for p in (f"{s.numeral}、{s.title}", *s.paragraphs)],
              *[p.text for c in policy.clauses for p in c.paragraphs], *policy.closing]
    assert sum(len("".join(p.split())) for p in pieces) == len(text)


def test_every_measure_quotes_the_text_of_its_own_clause(ds, policy):
    for mid, row in ds.measures.iterrows():
        clause = policy.clause(f"{row['section']}.{row['clause']}")
        assert clause is not None, mid
        assert row["text_zh"] in "".join(p.text for p in clause.paragraphs), mid


def test_clause_chips_link_to_the_maps_and_the_explorer(ds):
    rows = explorer.rows_of_clause(ds.measures, "8.1")
    chips = explorer.clause_chips(ds, rows, "zh")
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
    corridor = explorer.clause_chips(ds, explorer.rows_of_clause(ds.measures, "4.1"), "en")["feature"]
    assert any(c.href.startswith("./corridors?feature=") and c.href.endswith("&lang=en") for c in corridor)


# ---------------------------------------------------------------- saved views and presenter steps


@pytest.fixture(scope="module")
def views() -> list[explorer.SavedView]:
    return explorer.load_views()


def test_saved_views_parse_and_use_only_known_keys_and_values(ds, views):
    assert 6 <= len(views) <= 9
    for view in views:
        assert view.title_zh and view.title_en and view.page in explorer.PAGE_PATHS
        assert explorer.view_problems(view, ds) == [], view
        rows = filters.apply(ds.measures, filters.from_query(view.params, filters.choices_from(ds.measures))[0])
        assert len(rows) > 0, view  # every agenda item shows something
    assert any(v.page == "corridors" and v.params == {"partner": "440000"} for v in views)  # 闽粤合作


def test_no_saved_view_is_a_theme_step_and_views_are_distinct(views):
    for view in views:
        assert explorer.theme_position({**view.params, "present": "1"}) is None, view
    keys = [(v.page, tuple(sorted(v.params.items()))) for v in views]
    assert len(keys) == len(set(keys))


def test_bad_views_files_are_explained():
    with pytest.raises(explorer.ViewsError, match="page 'nowhere'"):
        explorer.parse_views('[[view]]\ntitle_zh="a"\ntitle_en="a"\npage="nowhere"\nquery=""\n')
    with pytest.raises(explorer.ViewsError, match="no text `query`"):
        explorer.parse_views('[[view]]\ntitle_zh="a"\ntitle_en="a"\npage="units"\n')
    with pytest.raises(explorer.ViewsError, match="views.toml"):
        explorer.parse_views("[[view]\n")


def test_view_problems_name_unknown_keys_and_values(ds):
    bad = explorer.SavedView("x", "x", "corridors", "partner=999999&colour=red&feature=nope&present=1")
    problems = " | ".join(explorer.view_problems(bad, ds))
    assert "999999" in problems and "colour" in problems and "nope" in problems and "present" in problems


def test_theme_steps_are_bookmarkable_urls(ds):
    steps = explorer.theme_steps("ecology", {"theme": "market", "partner": "440000", "lang": "en", "present": "1"})
    assert [s.params["theme"] for s in steps] == list(vocab.THEMES)
    assert steps[0].href == "./ecology?lang=en&theme=economy&present=1"
    assert steps[0].title("en") == "Regional economic cooperation" and steps[0].title("zh") == "区域经济合作"
    assert explorer.theme_position({"theme": "market", "present": "1"}) == 1
    assert explorer.theme_position({"theme": "market", "partner": "440000"}) is None
    assert explorer.theme_position({"theme": "nonsense"}) is None


def test_view_steps_and_positions(views):
    steps = explorer.view_steps(views, "zh")
    assert len(steps) == len(views)
    for i, (view, step) in enumerate(zip(views, steps)):
        assert step.params == {**view.params, "present": "1"}
        assert step.href.startswith("./" if view.page == "overview" else f"./{view.page}")
        assert explorer.view_position(views, view.page, step.params) == i
    # order of keys and of comma-separated values does not matter; other pages or filters do
    gd = next(i for i, v in enumerate(views) if v.page == "corridors" and v.params == {"partner": "440000"})
    assert explorer.view_position(views, "corridors", {"present": "1", "lang": "en", "partner": "440000"}) == gd
    assert explorer.view_position(views, "ecology", {"partner": "440000"}) is None
    assert explorer.view_position(views, "corridors", {"partner": "440000", "topic": "rail"}) is None
    hk = explorer.view_position(views, "measures", {"partner": "820000,810000"})
    assert hk is not None and views[hk].params == {"partner": "810000,820000"}


# ---------------------------------------------------------------- small helpers


def test_data_version_is_a_short_stable_hash_of_the_data_files(tmp_path):
    version = explorer.data_version()
    assert len(version) == 12 and int(version, 16) >= 0
    assert explorer.data_version() == version
    (tmp_path / "geodata").mkdir()
    (tmp_path / "measures.csv").write_bytes((data.ROOT / "measures.csv").read_bytes())
    for path in (data.ROOT / "geodata").glob("*.geojson"):
        (tmp_path / "geodata" / path.name).write_bytes(path.read_bytes())
    assert explorer.data_version(tmp_path) == version
    (tmp_path / "measures.csv").write_bytes((data.ROOT / "measures.csv").read_bytes() + b"\n")
    assert explorer.data_version(tmp_path) != version


def test_describe_filters_and_links():
    assert explorer.describe_filters(ECOLOGY_GD, "zh") == "生态文明建设 · 广东"
    assert explorer.describe_filters(ECOLOGY_GD.with_values(q="红树林"), "en") == \
        'Ecological civilisation · Guangdong · "红树林"'
    assert explorer.describe_filters(filters.Filters(), "zh") == ""
    assert explorer.page_href("overview", {"place": "350800"}) == "./?place=350800"
    assert explorer.page_href("units") == "./units"
    assert explorer.page_href("measures", {"unit": "省发改委", "q": ""}) == \
        "./measures?unit=%E7%9C%81%E5%8F%91%E6%94%B9%E5%A7%94"
