"""The committed data itself: every clause covered, every reference resolved, joins both ways."""

from __future__ import annotations

from panprd import vocab


def test_loads_without_errors_or_rejected_rows(ds):
    assert ds.errors == [] and ds.rejected.empty
    assert len(ds.measures) >= 100


def test_every_clause_of_sections_2_to_10_is_quoted(ds):
    quoted = set(zip(ds.measures["section"], ds.measures["clause"]))
    clauses = ds.policy.action_clauses
    assert len(clauses) == 28
    assert [c.label for c in clauses if (c.section, c.number) not in quoted] == []


def test_every_text_is_a_verbatim_substring_of_the_source(ds):
    assert all(text in ds.source_text for text in ds.measures["text_zh"])


def test_the_wireless_paragraph_is_clause_4_3_with_its_own_units(ds):
    rows = ds.measures[ds.measures["text_zh"].str.contains("超高速无线局域网")]
    assert len(rows) >= 1
    assert set(rows["section"]) == {4} and set(rows["clause"]) == {3}
    assert all(units == ("省发改委", "省经信委", "相关设区市人民政府") for units in rows["lead_units"])


def test_closing_paragraph_is_not_a_measure(ds):
    assert not ds.measures["text_zh"].str.contains("拓展我省发展空间").any()


def test_named_railways_are_separate_rows(ds):
    pumei = ds.measures[ds.measures["features"].map(lambda f: "rail_pumei_jianning_guanzhishan" in f)]
    xingquan = ds.measures[ds.measures["features"].map(lambda f: "rail_xingguo_quanzhou" in f)]
    assert len(pumei) and len(xingquan)
    assert set(pumei.index).isdisjoint(xingquan.index)


def test_themes_follow_sections(ds):
    assert all(vocab.SECTION_THEME[s] == t for s, t in zip(ds.measures["section"], ds.measures["theme"]))


def test_feature_to_measure_join_runs_both_ways(ds):
    for fid, feature in ds.geo.features.iterrows():
        for mid in feature["measure_ids"]:
            assert fid in ds.measures.at[mid, "features"]
    for mid, row in ds.measures.iterrows():
        for fid in row["features"]:
            assert mid in ds.geo.features.at[fid, "measure_ids"]


def test_every_feature_is_referenced_by_a_measure(ds):
    assert [fid for fid, f in ds.geo.features.iterrows() if not f["measure_ids"]] == []


def test_referenced_features_lie_in_a_tagged_unit_or_named_partner(ds):
    """A feature a measure references is in a unit the measure tags or a partner it names."""
    problems = []
    for mid, row in ds.measures.iterrows():
        tagged = set(row["places"]) | set(row["fujian_units"]) | set(row["partners"])
        for fid in row["features"]:
            feature = ds.geo.features.loc[fid]
            where = set(feature["places"]) | {vocab.fujian_unit_of(p) for p in feature["places"]}
            where |= set(feature["partners"])
            if feature.geometry is not None and not where & tagged:
                problems.append((mid, fid))
    assert problems == []

