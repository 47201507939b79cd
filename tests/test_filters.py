"""URL ⇄ filter round trip and the filter semantics (any within a filter, all across filters)."""

from __future__ import annotations

import pandas as pd
import pytest

from panprd import filters

CHOICES = filters.Choices(unit=frozenset({"省发改委", "省环保厅"}))


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


def test_round_trip():
    original = filters.Filters(theme=("ecology", "infrastructure"), partner=("440000",), place=("350800",),
                               unit=("省环保厅",), q="汀江")
    query = filters.to_query(original)
    assert query["theme"] == "ecology,infrastructure"
    parsed, notes = filters.from_query(query, CHOICES)
    assert parsed == original and notes == []


def test_repeated_keys_and_comma_lists_both_count():
    parsed, _ = filters.from_query({"theme": ["ecology", "market,economy"]}, CHOICES)
    assert parsed.theme == ("ecology", "market", "economy")


def test_unknown_keys_values_and_long_values_are_noted_not_kept():
    params = {"theme": ["ecology", "<script>alert(1)</script>"], "colour": "red", "partner": "x" * 10_000,
              "q": "y" * 500, "lang": "en"}
    parsed, notes = filters.from_query(params, CHOICES)
    assert parsed.theme == ("ecology",) and parsed.partner == () and parsed.q == ""
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
