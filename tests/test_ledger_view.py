"""Statuses outside /tracking, as plain functions: the join onto the measures, the status and light
filters (no report included), unit progress, the completed count, the map's lights, the downloads."""

from __future__ import annotations

import csv
import io

import pytest
from ledger_seed import COMPLETED, RED, seed
from openpyxl import load_workbook

from panprd import explorer, export, filters, ledger_view, pages
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec
from panprd.tracking import accounts, clock, ledger, status, store, units
from panprd.ui import downloads
from panprd.ui.frame import PageContext


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    made = store.open_store(seed(tmp_path_factory.mktemp("ledger") / "tracking.db", "=1+1 <b>x</b>"))
    yield made
    made.dispose()


@pytest.fixture(scope="module")
def tracked(engine, ds):
    return ledger_view.read(engine, ds.measures)


@pytest.fixture(scope="module")
def joined(ds, tracked):
    return ledger_view.with_statuses(ds.measures, tracked.states)


def test_the_join_adds_status_light_dates_and_lead_to_every_row(ds, joined):
    assert list(joined.index) == list(ds.measures.index)
    assert set(ledger_view.STATUS_COLUMNS) <= set(joined.columns)
    done, red = joined.loc[COMPLETED], joined.loc[RED]
    assert (done["status"], done["status_zh"], done["light"], done["as_of"]) == (
        "completed", "已完成", "green", clock.today().isoformat())
    assert (red["status"], red["light"], red["due"], red["lead_today"]) == (
        "on_schedule", "red", "2020-06-30", "省发改委")
    others = joined.drop(index=[COMPLETED, RED])
    assert set(others["status"]) == {""} and set(others["light"]) == {"grey"}


def test_no_ledger_means_every_action_grey_with_no_report(ds):
    view = ledger_view.unread(ds.measures, "台账数据库文件无法打开")
    frame = ledger_view.with_statuses(ds.measures, view.states)
    assert not view.available and view.problem and view.key == "none"
    assert set(frame["light"]) == {"grey"} and set(frame["status"]) == {""}
    assert ledger_view.completed(frame) == 0


@pytest.mark.parametrize("chosen, expected", [
    ({"status": ("completed",)}, {COMPLETED}),
    ({"status": ("completed", "on_schedule")}, {COMPLETED, RED}),
    ({"light": ("red",)}, {RED}),
    ({"status": ("on_schedule",), "light": ("green",)}, set()),
    ({"status": ("completed",), "theme": ("infrastructure",)}, {COMPLETED}),
])
def test_status_and_light_filters(joined, chosen, expected):
    assert set(filters.apply(joined, filters.Filters(**chosen)).index) == expected


def test_the_no_report_value_is_every_action_without_a_status(ds, joined):
    rows = filters.apply(joined, filters.Filters(status=(ledger_view.NO_REPORT,)))
    assert len(rows) == len(ds.measures) - 2 and COMPLETED not in rows.index
    # a frame the ledger was never joined onto: everything is no report and grey
    assert len(filters.apply(ds.measures, filters.Filters(status=(ledger_view.NO_REPORT,), light=("grey",)))) == len(
        ds.measures)


def test_filters_come_from_the_url_with_labels(joined):
    current, notes = filters.from_query({"status": "completed,behind,bogus", "light": "red"},
                                        filters.choices_from(joined))
    assert current["status"] == ("completed", "behind") and current["light"] == ("red",)
    assert [(n.key, n.value) for n in notes] == [("status", "bogus")]
    assert filters.SPECS["status"].label("none", "zh") == "未填报"
    assert filters.SPECS["light"].label("red", "en") == "Red (overdue)"
    assert filters.facet_counts(joined, filters.Filters(), "light") == {"green": 1, "red": 1,
                                                                         "grey": len(joined) - 2}


def test_completed_count_and_unit_progress(joined):
    assert ledger_view.completed(joined) == 1
    progress = ledger_view.unit_progress(joined)
    led = sum(1 for names, lead in zip(joined["lead_units"], joined["lead_today"])
              if "省发改委" in names and lead == "省发改委")
    assert progress["省发改委"] == status.UnitProgress(led, 1, 1)
    assert progress.get("省交通运输厅", status.UnitProgress(0, 0, 0)).completed == 0  # supports 4.1.17, leads it not


def test_the_units_matrix_carries_progress(joined):
    matrix = explorer.unit_matrix(joined, filters.ViewState("units"))
    row = next(r for r in matrix.rows if r.unit == "省发改委")
    assert (row.progress.completed, row.progress.red) == (1, 1) and row.progress.led <= row.total


def test_places_and_features_take_the_worst_light(ds, joined):
    places = ledger_view.worst_lights(joined, "fujian_units")
    assert places["350300"].light == "green"  # Putian: 4.1.17 green, the rest grey
    assert places["350800"].light == "red" and places["350800"].counts["red"] == 1  # Longyan: 4.1.02
    features = ledger_view.worst_lights(joined, "features")
    assert features["rail_xiangpu"].light == "green"
    assert features["rail_pumei_jianning_guanzhishan"].light == "red"


def test_the_map_shows_lights_when_something_is_reported(ds, joined):
    spec = mapspec.build(ds, joined, "corridors", "zh")
    assert spec.lights and spec.unit_lights["350800"].light == "red"
    assert spec.feature_lights["rail_xiangpu"].light == "green"
    assert [e.label for e in spec.legend if e.shape == "point" and e.colour in ledger_view.LIGHT_COLOURS.values()]
    payload = maps.map_payload(maps.draw(ds, mapspec.build(ds, joined, "corridors", "en")))
    assert "pp-light-ring" in payload and "pp-light-dot" in payload
    assert "Longyan · Red (overdue) · green 0 · yellow 0 · red 1" in payload  # a unit's tooltip
    # nothing reported among the shown actions: no lights drawn, none in the legend: the map as before
    grey = ledger_view.with_statuses(ds.measures, ledger_view.unread(ds.measures).states)
    quiet = mapspec.build(ds, grey, "corridors", "zh")
    assert not quiet.lights and not any(e.heading == "落实情况" for e in quiet.legend)
    assert "pp-light" not in maps.map_payload(maps.draw(ds, quiet))
    assert mapspec.build(ds, grey, "corridors", "zh", show_lights=True).lights  # a status/light filter asks


def test_a_status_or_light_filter_asks_for_the_lights():
    assert filters.lights_asked(filters.Filters(status=("none",))) is True
    assert filters.lights_asked(filters.Filters(light=("grey",))) is True
    assert filters.lights_asked(filters.Filters(theme=("ecology",))) is None  # the map decides


def test_the_cache_key_changes_with_a_report(tmp_path, ds):
    engine = store.open_store(seed(tmp_path / "tracking.db"))
    before = ledger_view.cache_key(engine)
    assert before.endswith(clock.today().isoformat())
    actions = units.actions_from_measures(ds.measures)
    ledger.submit_report(engine, actions, "fgw", "2.1.01", "behind", clock.today().isoformat())
    assert ledger_view.cache_key(engine) != before
    assert ledger_view.read(engine, ds.measures).states["2.1.01"].light == "yellow"
    engine.dispose()


def rows_of(raw: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_has_statuses_for_everyone_and_notes_only_with_details(ds, engine, tracked, joined):
    shown = joined.loc[[COMPLETED, RED, "2.1.01"]]
    viewer = rows_of(export.to_csv(ds, shown, "zh"))
    assert "note" not in viewer[0] and "evidence" not in viewer[0]
    assert [(r["status"], r["status_name"], r["light"], r["due"]) for r in viewer] == [
        ("completed", "已完成", "green", ""), ("on_schedule", "序时推进", "red", "2020-06-30"),
        ("", "未填报", "grey", "")]
    assert viewer[0]["as_of"] == clock.today().isoformat()
    signed_in = rows_of(export.to_csv(ds, shown, "zh", status.current_details(engine, tracked.states)))
    assert signed_in[0]["note"] == "note =1+1 <b>x</b>" and signed_in[0]["evidence"] == "evidence =1+1 <b>x</b>"
    assert signed_in[2]["note"] == ""


def test_the_download_buttons_give_details_to_signed_in_accounts_only(ds, engine, tracked, joined):
    page = pages.BY_KEY["measures"]
    viewer = PageContext(page, ds, filters.ViewState("measures"), ledger=tracked)
    assert downloads.details(viewer) is None
    office = PageContext(page, ds, filters.ViewState("measures"), ledger=tracked,
                         account=next(a for a in accounts.list_accounts(engine) if a.login == "office"))
    assert downloads.details(office)[COMPLETED][0] == "note =1+1 <b>x</b>"
    no_ledger = PageContext(page, ds, filters.ViewState("measures"), ledger=ledger_view.unread(ds.measures),
                            account=office.account)
    assert downloads.details(no_ledger) is None


def test_the_ledger_sheet_is_grouped_by_lead_unit(ds, engine, tracked, joined):
    raw = export.to_xlsx(ds, joined, filters.Filters(), "zh", clock.current().replace(tzinfo=None), tracked.states)
    book = load_workbook(io.BytesIO(raw))
    assert book.sheetnames[-1] == "台账"
    rows = list(book["台账"].values)
    header, body = rows[0], rows[1:]
    assert "note" not in header and len(body) == len(joined)
    leads = [r[header.index("lead_today")] for r in body]
    assert leads == sorted(leads)  # grouped: each lead unit's rows together
    done = next(r for r in body if r[0] == COMPLETED)
    assert (done[header.index("status_name")], done[header.index("light")]) == ("已完成", "绿灯（正常）")
    with_notes = load_workbook(io.BytesIO(export.to_xlsx(
        ds, joined, filters.Filters(), "zh", clock.current().replace(tzinfo=None), tracked.states,
        status.current_details(engine, tracked.states))))
    rows = list(with_notes["台账"].values)
    note = next(r for r in rows[1:] if r[0] == COMPLETED)[rows[0].index("note")]
    assert note == "note =1+1 <b>x</b>"  # does not begin like a formula: kept as typed
