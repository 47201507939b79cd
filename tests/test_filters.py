"""URL ⇄ filter round trip and the filter semantics (any within a filter, all across filters)."""

from __future__ import annotations

import pandas as pd
import pytest

from panprd import filters
from panprd.i18n import t


def frame() -> pd.DataFrame:
    rows = [
        ("8.1.01", "ecology", "environment", ("440000",), ("350800",), ("省环保厅",), "汀江", "Tingjiang basin"),
        ("8.1.02", "ecology", "conservation", (), ("350700",), ("省环保厅",), "武夷山", "Wuyishan pilot"),
        ("4.1.01", "infrastructure", "rail", ("360000",), ("350400", "350800"), ("省发改委",), "浦梅铁路", "Pumei"),
        ("9.1.01", "hk_macao", "trade", ("810000", "820000"), (), ("省发改委",), "闽港澳", "HK <b>Macao</b>"),
    ]
    out = pd.DataFrame(rows, columns=["measure_id", "theme", "topic", "partners", "fujian_units", "lead_units",
                                      "title_zh", "title_en"])
    out["text_zh"] = out["title_zh"]
    return out.set_index("measure_id", drop=False)


CHOICES = filters.choices_from(frame())


def test_round_trip():
    original = filters.Filters(theme=("ecology", "infrastructure"), partner=("440000",), place=("350800",),
                               unit=("省环保厅",), q="汀江")
    query = original.query()
    assert query["theme"] == "ecology,infrastructure"
    parsed, notes = filters.from_query(query, CHOICES)
    assert parsed == original and notes == []


def test_repeated_keys_and_comma_lists_both_count():
    parsed, _ = filters.from_query({"theme": ["ecology", "market,economy"]}, CHOICES)
    assert parsed["theme"] == ("ecology", "market", "economy")


def test_unknown_keys_values_and_long_values_are_noted_not_kept():
    params = {"theme": ["ecology", "<script>alert(1)</script>"], "colour": "red", "partner": "x" * 10_000,
              "q": "y" * 500, "lang": "en"}
    parsed, notes = filters.from_query(params, CHOICES)
    assert parsed["theme"] == ("ecology",) and parsed["partner"] == () and parsed.q == ""
    reasons = {(n.key, n.reason) for n in notes}
    assert ("theme", "unknown value") in reasons and ("colour", "unknown parameter") in reasons
    assert ("partner", "value too long") in reasons
    assert all(len(n.value) <= 50 for n in notes)


def test_any_within_all_across():
    measures = frame()
    by_theme = filters.apply(measures, filters.Filters(theme=("ecology", "hk_macao")))
    assert list(by_theme.index) == ["8.1.01", "8.1.02", "9.1.01"]
    both = filters.apply(measures, filters.Filters(theme=("ecology",), partner=("440000",)))
    assert list(both.index) == ["8.1.01"]
    place = filters.apply(measures, filters.Filters(place=("350800",)))
    assert list(place.index) == ["8.1.01", "4.1.01"]


@pytest.mark.parametrize("q,expected", [("汀江", ["8.1.01"]), ("macao", ["9.1.01"]), ("PUMEI", ["4.1.01"]),
                                        ("(", [])])
def test_text_search_is_literal_and_case_insensitive(q, expected):
    assert list(filters.apply(frame(), filters.Filters(q=q)).index) == expected


def test_facet_counts_keep_the_other_filters():
    counts = filters.facet_counts(frame(), filters.Filters(theme=("ecology",), place=("350800",)), "theme")
    assert counts == {"ecology": 1, "infrastructure": 1}


def test_every_registered_filter_has_labels_and_a_column_or_derivation():
    for spec in filters.REGISTRY:
        assert t(f"filter_{spec.key}", "zh") and t(f"filter_{spec.key}", "en")
        if not spec.is_text:
            assert (spec.column is None) != (spec.derive is None), spec.key
            assert isinstance(spec.row_values(frame()), pd.Series)


def test_a_filter_may_derive_its_values_from_the_frame():
    """A filter whose values no column holds (like 'overdue' from a due date): the registry accepts it."""
    overdue = filters.FilterSpec("overdue", lambda _f: ["yes", "no"], lambda v, _lang: v,
                                 derive=lambda f: f["measure_id"].map(lambda m: "yes" if m.startswith("8.") else "no"))
    assert list(frame()[overdue.mask(frame(), ("yes",))].index) == ["8.1.01", "8.1.02"]
    assert overdue.counts(overdue.row_values(frame())) == {"yes": 2, "no": 2}


def test_view_state_links_keep_language_and_presenter_and_drop_page_keys():
    view = filters.ViewState("corridors", filters.Filters(partner=("440000",)), "en", True, "rail_xiangpu")
    assert view.href() == "./corridors?partner=440000&feature=rail_xiangpu&lang=en&present=1"
    assert view.href("measures") == "./measures?partner=440000&lang=en&present=1"
    assert view.href("overview", filters=filters.Filters()) == "./?lang=en&present=1"
    assert view.href(present=False, lang="zh") == "./corridors?partner=440000&feature=rail_xiangpu"
    assert view.href("policy", clause="4.1") == "./policy?partner=440000&clause=4.1&lang=en&present=1"


def test_view_from_query_notes_unknown_features_and_clauses():
    view, notes = filters.view_from_query(
        "policy", {"clause": "99.9", "feature": "nope", "lang": "fr", "present": "1", "theme": "ecology"},
        CHOICES, frozenset({"rail_xiangpu"}), frozenset({"4.1"}))
    assert view.clause is None and view.feature is None and view.lang == "zh" and view.present
    assert view.filters["theme"] == ("ecology",)
    assert {(n.key, n.reason) for n in notes} == {("clause", "unknown clause"), ("feature", "unknown feature")}


def test_larger_type_lives_in_the_url_and_follows_every_link():
    view, notes = filters.view_from_query("corridors", {"size": "large", "lang": "en"}, CHOICES, frozenset(),
                                          frozenset())
    assert view.large and notes == []
    assert view.href() == "./corridors?lang=en&size=large"
    ecology = filters.Filters(theme=("ecology",))
    assert view.href("measures", filters=ecology) == "./measures?theme=ecology&lang=en&size=large"
    assert view.href(large=False) == "./corridors?lang=en"
    odd, notes = filters.view_from_query("corridors", {"size": "huge"}, CHOICES, frozenset(), frozenset())
    assert not odd.large and [(n.key, n.reason) for n in notes] == [("size", "unknown value")]


def test_describe_filters_and_page_links():
    ecology_gd = filters.Filters(theme=("ecology",), partner=("440000",))
    assert ecology_gd.describe("zh") == "生态文明建设 · 广东"
    assert ecology_gd.with_values(q="红树林").describe("en") == 'Ecological civilisation · Guangdong · "红树林"'
    assert filters.Filters().describe("zh") == ""
    assert filters.page_href("overview", {"place": "350800"}) == "./?place=350800"
    assert filters.page_href("units") == "./units"
    assert filters.page_href("measures", {"unit": "省发改委", "q": ""}) == \
        "./measures?unit=%E7%9C%81%E5%8F%91%E6%94%B9%E5%A7%94"


def test_kept_masks_belong_to_their_frame():
    """The masks kept for the facets are the frame's own: another frame (another data or ledger version) with
    the same filter gets its own."""
    chosen = filters.Filters(theme=("ecology",))
    first = frame()
    assert len(filters.apply(first, chosen)) > 0
    for _ in range(3):
        other = frame()
        other["theme"] = "economy"
        assert filters.apply(other, chosen).empty
        assert filters.facet_counts(other, chosen, "place") == {}
