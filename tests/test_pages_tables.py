"""The measures explorer, lead units and policy text pages under AppTest: they run, the URL drives
them, a bad URL is noted (escaped) and ignored, presenter mode shows its steps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from panprd import explorer, filters, vocab

APP = str(Path(__file__).resolve().parent.parent / "app.py")
TITLES = {"measures": ("措施浏览", "Measures explorer"), "units": ("责任单位", "Lead units"),
          "policy": ("政策原文", "Policy text")}


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def html_of(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in at.get("html"))


def table_ids(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["measure_id"])


@pytest.mark.parametrize("page", list(TITLES))
def test_each_page_runs_in_chinese_and_english(page):
    at = open_page(page)
    assert at.title[0].value == TITLES[page][0]
    assert "pp-url-notes" not in html_of(at)
    at_en = open_page(page, lang="en")
    assert at_en.title[0].value == TITLES[page][1]


def test_explorer_rows_follow_the_url_filters(ds):
    everything = open_page("measures")
    assert table_ids(everything) == list(ds.measures.index)
    at = open_page("measures", theme="ecology", partner="440000")
    expected = filters.apply(ds.measures, filters.Filters(theme=("ecology",), partner=("440000",)))
    assert table_ids(at) == list(expected.index) and 0 < len(expected) < len(ds.measures)
    assert f'data-rows="{len(expected)}"' in html_of(at)
    assert at.multiselect(key="w_theme").value == ["ecology"]  # the sidebar reads the same URL
    # the clause view key narrows the table to that clause
    clause = open_page("measures", theme="ecology", clause="8.2")
    assert table_ids(clause) and all(mid.startswith("8.2.") for mid in table_ids(clause))


def test_explorer_shows_facets_links_map_and_downloads(ds):
    at = open_page("measures", theme="ecology", partner="440000", lang="en")
    body = html_of(at)
    assert 'class="pp-facets"' in body and 'data-facet="unit"' in body
    assert re.search(r'class="pp-on" data-facet="theme" data-value="ecology"', body)
    assert "Ecological civilisation <span class=\"pp-n\">(6) ×" in body
    frame = at.dataframe[0].value
    assert all(href.startswith("./policy?clause=") for href in frame["source"])
    assert len(at.get("component_instance")) == 1  # the small map
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV table", "Excel workbook", "GeoJSON map features", "Map image PNG (for slides)"]
    # the files are made when clicked (deferred), and a click does not rerun the page
    assert all(b.proto.deferred_file_id and b.proto.ignore_rerun for b in at.get("download_button"))
    assert any("apostrophe" in c.value for c in at.caption)


def test_explorer_with_no_rows_says_so(ds):
    at = open_page("measures", theme="ecology", partner="810000")
    assert table_ids(at) == []
    assert "pp-empty" in html_of(at)


def test_bad_query_string_is_noted_escaped_and_ignored(ds):
    for page in TITLES:
        at = open_page(page, theme="<script>alert(1)</script>", foo="bar", clause="<img src=x onerror=1>",
                       unit="不存在的单位")
        body = html_of(at)
        assert "pp-url-notes" in body, page
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;" in body
        if page != "units":  # clause is a key of the explorer and the policy text only
            assert "&lt;img src=x" in body and "unknown clause" in body
        if page == "measures":
            assert table_ids(at) == list(ds.measures.index)  # every bad value ignored: all rows


def test_units_matrix_follows_filters_and_links_to_the_explorer(ds):
    at = open_page("units")
    body = html_of(at)
    matrix = explorer.unit_matrix(ds.measures, filters.ViewState("units"))
    assert f'data-units="{len(matrix.rows)}"' in body
    assert body.count('<tr data-unit="') == len(matrix.rows)
    assert 'data-unit="省发改委"' in body and 'data-unit="发改委"' not in body
    filtered = open_page("units", theme="ecology", lang="en")
    fbody = html_of(filtered)
    ecology = filters.apply(ds.measures, filters.Filters(theme=("ecology",)))
    eco = explorer.unit_matrix(ecology, filters.ViewState("units"))
    assert f'data-units="{len(eco.rows)}"' in fbody and len(eco.rows) < len(matrix.rows)
    link = re.search(r'<tr data-unit="省环保厅"><th scope="row"><a class="pp-unit" href="([^"]+)">([^<]+)</a>', fbody)
    assert link and link[2] == vocab.unit_label("省环保厅", "en") and link[2].isascii()  # English name, Chinese key
    href = link[1].replace("&amp;", "&")
    assert href.startswith("./measures?") and "theme=ecology" in href and "lang=en" in href
    assert "unit=%E7%9C%81%E7%8E%AF%E4%BF%9D%E5%8E%85" in href


def test_policy_text_has_every_clause_and_highlights_the_linked_one(ds):
    at = open_page("policy", clause="4.1")
    body = html_of(at)
    assert len(re.findall(r'<article id="clause-\d+-\d+"', body)) == 28
    assert body.count("pp-clause-selected") == 2  # the style rule and the one clause
    assert re.search(r'<article id="clause-4-1" class="pp-clause pp-clause-selected"', body)
    assert "实施赣闽粤原中央苏区农村超高速无线局域网工程" in body
    assert 'href="./ecology?feature=basin_tingjiang_hanjiang"' in body
    assert 'href="./?place=350800"' in body
    assert len(at.get("iframe")) == 1  # the scroll-into-view script
    plain = open_page("policy")
    assert "pp-clause-selected\"" not in html_of(plain) and len(plain.get("iframe")) == 0


def test_policy_dims_actions_outside_the_filters(ds):
    at = open_page("policy", theme="ecology")
    body = html_of(at)
    assert "pp-filter-note" in body
    assert re.search(r'class="pp-chip pp-chip-action pp-dim" data-key="2\.1\.01"', body)
    assert re.search(r'class="pp-chip pp-chip-action" data-key="8\.1\.01"', body)


def test_presenter_mode_steps_through_themes_and_the_agenda():
    at = open_page("measures", present="1", theme="social")
    body = html_of(at)
    assert '<h2 class="pp-step-title">社会事业合作</h2>' in body and "主题 5 / 9" in body
    assert 'class="pp-step pp-next" href="./measures?theme=opening&amp;present=1"' in body
    assert 'class="pp-step pp-prev" href="./measures?theme=innovation&amp;present=1"' in body
    assert 'data-testid="stSidebar"' in body  # the CSS that hides the sidebar
    assert at.toggle(key="w_present").value is True
    agenda = open_page("measures", present="1", partner="810000,820000")
    abody = html_of(agenda)
    assert 'data-kind="agenda"' in abody and 'class="pp-step pp-next" href="./units?present=1"' in abody
    off = open_page("measures", theme="social")
    assert "pp-step-title" not in html_of(off) and off.toggle(key="w_present").value is False


def test_presenter_switch_writes_the_url():
    at = open_page("units", theme="economy")
    at.toggle(key="w_present").set_value(True).run()
    assert at.query_params["present"] == "1" and at.query_params["theme"] == "economy"
    assert "pp-step-title" in html_of(at)
