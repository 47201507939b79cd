"""The map pages under Streamlit's AppTest: they run, the URL drives the filters, bad URLs are handled."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from apptest_pages import html_of, open_page
from streamlit.testing.v1 import AppTest

from panprd import data, filters
from panprd.i18n import t
from panprd.map import spec as mapspec

APP = str(Path(__file__).resolve().parent.parent / "app.py")
MAP_PAGES = {"overview": "总览", "corridors": "合作通道", "transfer_zones": "产业转移与合作园区", "ecology": "生态区域"}
ENGLISH = {"overview": "Overview", "corridors": "Cooperation corridors", "transfer_zones": "Industrial transfer zones",
           "ecology": "Ecological areas"}


def metrics(at: AppTest) -> dict[str, int | str]:
    """The headline's counts; 已完成 stays text (N / M)."""
    return {m.label: int(m.value) if m.value.isdigit() else m.value for m in at.metric}


@pytest.mark.parametrize("page", list(MAP_PAGES))
def test_each_map_page_runs_in_chinese_and_english(page):
    at = open_page(page)
    assert at.title[0].value == MAP_PAGES[page]
    assert len(at.get("component_instance")) == 1  # the map
    at_en = open_page(page, lang="en")
    assert at_en.title[0].value == ENGLISH[page]


def test_filters_in_the_url_change_the_headline_counts(ds):
    everything = metrics(open_page("overview"))
    assert everything["措施"] == len(ds.measures)
    ecology = metrics(open_page("overview", theme="ecology", partner="440000"))
    expected = filters.apply(ds.measures, filters.Filters(theme=("ecology",), partner=("440000",)))
    assert ecology["措施"] == len(expected) < everything["措施"]
    assert ecology["合作省区"] == len({p for ps in expected["partners"] for p in ps})


def test_url_sets_the_widgets_and_widgets_write_the_url():
    at = open_page("corridors", theme="infrastructure", partner="360000,440000")
    assert at.multiselect(key="w_theme").value == ["infrastructure"]
    assert at.multiselect(key="w_partner").value == ["360000", "440000"]
    at.multiselect(key="w_topic").select("rail").run()
    assert at.query_params["topic"] == "rail" and at.query_params["theme"] == "infrastructure"
    at.text_input(key="w_q").input("浦梅").run()
    assert at.query_params["q"] == "浦梅"
    assert not at.exception


def test_page_links_carry_the_filters():
    at = open_page("ecology", theme="ecology", partner="440000", lang="en")
    links = at.get("page_link")
    assert len(links) >= 4
    for link in links:
        query = link.proto.query_string
        assert "theme=ecology" in query and "partner=440000" in query and "lang=en" in query


def test_bad_query_string_is_noted_escaped_and_ignored():
    at = open_page("corridors", theme="<script>alert(1)</script>", foo="bar", partner="x" * 10_000,
                   feature="<img src=x onerror=alert(1)>")
    body = html_of(at)
    assert "pp-url-notes" in body
    assert "&lt;script&gt;" in body and "<script>" not in body and "<img src=x" not in body
    assert at.multiselect(key="w_theme").value == []
    assert "x" * 100 not in body


def test_feature_link_opens_the_panel_with_its_actions(ds):
    fid = "rail_xiangpu"
    at = open_page("corridors", feature=fid)
    body = html_of(at)
    assert f'data-feature="{fid}"' in body
    assert body.count('class="pp-action"') == len(data.measures_for_feature(ds, fid))


def test_fujian_unit_link_opens_its_panel(ds):
    at = open_page("overview", feature="350800", theme="ecology")
    body = html_of(at)
    expected = filters.apply(ds.measures, filters.Filters(theme=("ecology",), place=("350800",)))
    assert body.count('class="pp-action"') == len(expected) > 0


def test_empty_result_says_so():
    at = open_page("ecology", q="没有这样的措施")
    assert "pp-empty" in html_of(at)
    assert metrics(open_page("overview", q="没有这样的措施"))["措施"] == 0


def test_rejected_rows_are_listed_in_a_banner(tmp_path, monkeypatch):
    for name in ("geodata", "sources"):
        shutil.copytree(data.ROOT / name, tmp_path / name)
    lines = (data.ROOT / "measures.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",economy,", ",economics,", 1)
    lines.append(lines[5])  # a duplicate id
    (tmp_path / "measures.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(data, "ROOT", tmp_path)
    at = open_page("overview")
    body = html_of(at)
    assert "pp-banner" in body and "2 行" in body
    assert "<li>4:" in body and f"<li>{len(lines)}:" in body
    assert metrics(at)["措施"] == len(lines) - 1 - 2


def test_unusable_data_stops_with_the_full_list(tmp_path, monkeypatch):
    for name in ("geodata", "sources"):
        shutil.copytree(data.ROOT / name, tmp_path / name)
    text = (data.ROOT / "measures.csv").read_text("utf-8")
    (tmp_path / "measures.csv").write_bytes(text.encode("gbk", errors="replace"))
    monkeypatch.setattr(data, "ROOT", tmp_path)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.error and "GBK" in html_of(at)


def test_tianditu_is_opt_in_and_needs_a_key():
    at = open_page("corridors")
    assert "tianditu" not in str(at.get("component_instance")[0].proto)
    at.radio(key="w_basemap").set_value("tianditu").run()
    assert at.sidebar.info and "tianditu" not in str(at.get("component_instance")[0].proto)
    at.secrets["tianditu_key"] = "test-key"
    at.run()
    assert "tianditu.gov.cn" in str(at.get("component_instance")[0].proto)
    assert not at.exception


def _map_list_keys(at: AppTest) -> tuple[set[str], set[str]]:
    """The 本图要素 list's data-keys, and the query strings of its links."""
    listed = re.search(r'<nav class="pp-map-list".*?</nav>', html_of(at), re.S).group(0)
    keys = set(re.findall(r'data-key="([^"]+)"', listed))
    queries = {href.split("?", 1)[1] if "?" in href else "" for href in re.findall(r'href="([^"]+)"', listed)}
    return keys, queries


def test_the_map_pages_lists_follow_the_view_in_one_session(ds):
    """The lists under the map (本图要素 and the features without a geometry) are built once per view: a filter
    change in the same session lists the new view's features, with links that carry the new filter."""
    at = open_page("corridors", theme="infrastructure")
    for theme in ("infrastructure", "opening", "infrastructure"):
        at.query_params["theme"] = theme
        at.run()
        assert not at.exception, at.exception
        shown = filters.apply(ds.measures, filters.Filters(theme=(theme,)))
        drawn = set(mapspec.features_of(ds, shown, "corridor").index)
        keys, queries = _map_list_keys(at)
        assert keys & set(ds.geo.features.index) == drawn
        assert queries and all(f"theme={theme}" in q for q in queries)
        unmapped = mapspec.features_of(ds, shown, "corridor", mapped=False)
        expanders = [e.label for e in at.expander]
        assert (t("unmapped_title", "zh") in expanders) == (not unmapped.empty), (theme, expanders)
