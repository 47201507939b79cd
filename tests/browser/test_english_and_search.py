"""The official reading in English and the search: no Chinese left in the unit names, whole-word matches."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from panprd import data, filters, search

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def test_unit_names_read_in_english_on_the_units_page_and_in_the_facets(page: Page, app_server: str) -> None:
    page.goto(f"{app_server}/units?lang=en")
    units = page.locator("a.pp-unit")
    expect(units.first).to_be_visible(timeout=60_000)
    names = units.all_inner_texts()
    assert len(names) >= 50 and [n for n in names if CJK.search(n)] == []
    page.goto(f"{app_server}/measures?lang=en")
    facet = page.locator('.pp-facet a[data-facet="unit"]')
    expect(facet.first).to_be_visible(timeout=60_000)
    texts = facet.all_inner_texts()
    assert texts and [t for t in texts if CJK.search(t)] == []
    # the link keeps the Chinese name, which is the filter's value in the URL
    assert CJK.search(facet.first.get_attribute("data-value"))


def test_port_finds_the_word_and_marks_it(page: Page, app_server: str, ds: data.Dataset) -> None:
    page.goto(f"{app_server}/measures?q=port&lang=en")
    count = page.locator(".pp-rowcount")
    expect(count).to_be_visible(timeout=60_000)
    expected = filters.apply(ds.measures, filters.Filters(q="port"))
    assert int(count.get_attribute("data-rows")) == len(expected) > 0
    for _, row in expected.iterrows():  # each row has "port" or "ports" as a word, in English or Chinese text
        assert re.search(r"\bports?\b", row["title_en"] + " " + row["title_zh"] + " " + row["text_zh"], re.I), row
    haystack = ds.measures["title_zh"] + " " + ds.measures["title_en"] + " " + ds.measures["text_zh"]
    assert len(expected) < haystack.str.contains("port", case=False).sum()  # airport, transport … are not "port"
    marks = page.locator(".pp-matches mark").all_inner_texts()
    assert marks and {m.lower() for m in marks} <= {"port", "ports"}
    assert all(search.count(t, "port") for t in marks)
