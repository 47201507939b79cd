"""panprd.search: whole words with plurals for English, substrings for Chinese, safe highlighting."""

from __future__ import annotations

import html
import random
import re

import pandas as pd
import pytest

from panprd import search

NOT_PORT = ["airport", "airports", "transport", "support", "sports", "reporting", "report", "porter", "deport"]


def matches(text: str, q: str) -> bool:
    return bool(search.mask(pd.Series([text]), q).iloc[0])


@pytest.mark.parametrize("text", ["port", "ports", "Port", "PORTS", "the port.", "port-city", "(ports)", "港口port"])
def test_port_finds_the_word_and_its_plural(text):
    assert matches(text, "port")


@pytest.mark.parametrize("text", NOT_PORT)
def test_port_does_not_find_longer_words(text):
    assert not matches(text, "port")


@pytest.mark.parametrize("q, text", [
    ("railway", "new railways"), ("city", "two cities"), ("box", "boxes"), ("ports", "one port"),
    ("cities", "a city"), ("zones", "the zone"), ("Fujian", "Fujian's ports"), ("2020", "2020年前"),
    ("gas", "gases"),
])
def test_plural_and_singular_rules(q, text):
    assert matches(text, q)


@pytest.mark.parametrize("q, text", [("news", "new energy"), ("status", "statu"), ("city", "citizen"),
                                     ("rail", "railway"), ("2020", "20201")])
def test_what_the_rules_do_not_stretch_to(q, text):
    assert not matches(text, q)


def test_chinese_terms_are_substrings_and_all_terms_must_match():
    texts = pd.Series(["建设厦门港口", "港口 port", "airport 港口", "铁路 ports"])
    assert list(search.mask(texts, "港口")) == [True, True, True, False]
    assert list(search.mask(texts, "港口 port")) == [False, True, False, False]
    assert list(search.mask(texts, "")) == [True] * 4


def test_terms_with_punctuation_are_substrings():
    assert matches("泛珠三角（9+2）区域", "9+2") and not matches("9 + 2", "9+2")


def test_count():
    assert search.count("Port, ports, airport and transport; 港口 and 港口", "port 港口") == 4
    assert search.count("anything", "") == 0


@pytest.mark.parametrize("text, q, expected", [
    ("A & B", "amp", "A &amp; B"),
    ("<b>x</b>", "lt", "&lt;b&gt;x&lt;/b&gt;"),
    ("<b>x</b>", "gt", "&lt;b&gt;x&lt;/b&gt;"),
    ('say "quot"', "quot", "say &quot;<mark>quot</mark>&quot;"),
    ("Ports & airports", "port", "<mark>Ports</mark> &amp; airports"),
    ("建设港口<script>", "港口", "建设<mark>港口</mark>&lt;script&gt;"),
    ("a&b", "&", "a<mark>&amp;</mark>b"),
])
def test_highlight_escapes_and_never_marks_inside_an_entity(text, q, expected):
    assert search.highlight(text, q) == expected


def unmark(marked: str) -> str:
    return html.unescape(marked.replace("<mark>", "").replace("</mark>", ""))


HOSTILE = ["<", ">", "&", '"', "'", "&amp;", "&lt;", "&#x27;", "<mark>", "</mark>", "<script>", "amp", "lt",
           "gt", "quot", "port", "ports", "Port", "港口", "港", " ", "\n", ";", "#", "x27", "mark", "é", "𠀋"]


def test_highlight_round_trips_hostile_inputs():
    """Property: marks stripped and entities unescaped give the text back; no raw markup survives."""
    rng = random.Random(20161114)
    queries = ["amp", "lt", "gt", "quot", "mark", "port", "港口", "x27", "amp lt", "& ;", "<", "#", "é", "27"]
    for _ in range(3000):
        text = "".join(rng.choice(HOSTILE) for _ in range(rng.randint(0, 12)))
        q = rng.choice(queries)
        marked = search.highlight(text, q)
        assert unmark(marked) == text, (text, q, marked)
        outside = re.sub(r"</?mark>", "", marked)
        assert "<" not in outside and ">" not in outside and '"' not in outside, (text, q, marked)
        entities = re.findall(r"&[^;]*;?", marked)  # in the output as sent: a mark inside one breaks it
        assert all(re.fullmatch(r"&(amp|lt|gt|quot|#x27);", e) for e in entities), (text, q, marked)


def test_real_titles_port_means_the_word(ds):
    titles = ds.measures["title_en"]
    hits = titles[search.mask(titles, "port")]
    assert len(hits) > 0
    assert all(re.search(r"\bports?\b", t, re.IGNORECASE) for t in hits)
    only_longer = titles[titles.str.contains("port", case=False)
                         & ~titles.str.contains(r"\bports?\b", case=False, regex=True)]
    assert len(only_longer) > 0  # the real data has airport/transport/support/sports/reporting rows
    assert not set(only_longer.index) & set(hits.index)
