"""Statuses on the pages under AppTest, from a seeded temporary ledger (PANPRD_DB_URL): the status and
light filters, the overview's 已完成 N / 214, the units matrix's progress, the policy chips, the map
panel, and the banner when the ledger cannot be opened while the maps keep working."""

from __future__ import annotations

import re

import pytest
from apptest_pages import html_of, open_page
from ledger_seed import COMPLETED, RED, seed

from panprd import data
from panprd.tracking import clock, ledger, store, units


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> str:
    return seed(tmp_path_factory.mktemp("pages-ledger") / "tracking.db")


@pytest.fixture
def ledger_url(seeded, monkeypatch) -> str:
    monkeypatch.setenv("PANPRD_DB_URL", seeded)
    return seeded


def test_measures_filtered_by_status_show_the_confirmed_action(ledger_url):
    at = open_page("measures", status="completed")
    assert list(at.dataframe[0].value["measure_id"]) == [COMPLETED]
    assert at.multiselect(key="w_status").value == ["completed"]  # the sidebar reads the URL
    body = html_of(at)
    assert 'data-rows="1"' in body
    assert 'data-facet="status" data-value="completed"' in body  # the facet, chosen
    table = at.dataframe[0].value
    assert list(table["status"]) == ["已完成"] and list(table["light"]) == ["绿灯（正常）"]
    red = open_page("measures", light="red", lang="en")
    assert list(red.dataframe[0].value["measure_id"]) == [RED]
    none = open_page("measures", status="none")
    assert COMPLETED not in list(none.dataframe[0].value["measure_id"])


def test_overview_headline_counts_confirmed_completions(ledger_url):
    at = open_page("overview")
    completed = {m.label: m.value for m in at.metric}["已完成"]
    assert completed == "1 / 214"
    assert {m.label: m.value for m in open_page("overview", theme="ecology").metric}["已完成"].startswith("0 / ")


def test_units_matrix_shows_progress_and_red_count(ledger_url):
    body = html_of(open_page("units"))
    row = re.search(r'<tr data-unit="省发改委">.*?</tr>', body).group(0)
    progress = re.search(r'data-completed="(\d+)" data-led="(\d+)">(\d+) / (\d+)<', row)
    assert progress and progress.group(1) == "1" and int(progress.group(2)) >= 2
    assert '<td class="pp-red pp-red-on"><a href="' in row and ">1</a>" in row
    assert "light=red" in row and "unit=" in row  # the red count opens the explorer on those actions


def test_policy_chips_carry_status_light_and_as_of(ledger_url):
    body = html_of(open_page("policy"))
    chip = re.search(rf'data-key="{re.escape(COMPLETED)}".*?</a>(<span class="pp-status"[^>]*>)', body)
    assert chip and 'data-status="completed"' in chip.group(1) and 'data-light="green"' in chip.group(1)
    assert 'data-status="none" data-light="grey"' in body  # the others: no report
    assert body.count('class="pp-status"') == 214


def test_map_panel_and_layer_show_the_light(ledger_url):
    at = open_page("corridors", feature="rail_xiangpu")
    body = html_of(at)
    assert re.search(rf'data-measure="{re.escape(COMPLETED)}".*?data-status="completed" data-light="green"', body,
                     re.S)
    component = "\n".join(str(el.proto) for el in at.get("component_instance"))
    assert "pp-light-ring" in component and "pp-light-dot" in component


def test_an_unusable_ledger_gives_a_banner_and_the_maps_go_on(tmp_path, monkeypatch):
    (tmp_path / "not-a-db").mkdir()
    monkeypatch.setenv("PANPRD_DB_URL", f"sqlite:///{tmp_path / 'not-a-db'}")  # a folder: cannot be opened
    at = open_page("overview")
    body = html_of(at)
    assert 'class="pp-ledger-banner"' in body and "台账暂不可用" in body
    assert {m.label: m.value for m in at.metric}["已完成"] == "0 / 214"
    assert at.get("component_instance")  # the map is drawn
    at = open_page("measures", status="completed")
    assert len(at.dataframe[0].value) == 0  # nothing is confirmed without a ledger


def test_a_new_report_reaches_the_cached_map_at_the_next_rerun(tmp_path, monkeypatch):
    """The map is built once per view in the process (panprd.viewcache); the ledger's version is in its key,
    so a report made elsewhere (another session, another process) shows at this session's next rerun."""
    url = seed(tmp_path / "tracking.db")
    monkeypatch.setenv("PANPRD_DB_URL", url)
    at = open_page("corridors", feature="rail_xiangpu")
    before = "\n".join(str(el.proto) for el in at.get("component_instance"))
    engine = store.open_store(url)
    try:
        actions = units.actions_from_measures(data.load().measures)
        ledger.submit_report(engine, actions, "fgw", COMPLETED, "behind", clock.today().isoformat(), note="回退")
    finally:
        engine.dispose()
    at.run()
    assert not at.exception, at.exception
    assert re.search(rf'data-measure="{re.escape(COMPLETED)}".*?data-status="behind" data-light="yellow"',
                     html_of(at), re.S)
    after = "\n".join(str(el.proto) for el in at.get("component_instance"))
    assert after != before  # the feature's light went from green to yellow on the map itself
