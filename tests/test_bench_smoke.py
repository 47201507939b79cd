"""The benchmark's own arithmetic and in-process measurements, and its synthetic data multiplier."""

from __future__ import annotations

from bench import inprocess, run, synth, wsclient
from panprd import data, filters
from panprd.map import leaflet as maps
from panprd.map import spec as mapspec


def test_percentiles_and_summaries_count_what_they_say():
    values = [float(v) for v in range(1, 101)]
    assert run.percentile(values, 50) == 50.5 and 95 <= run.percentile(values, 95) <= 96
    runs = [[wsclient.Run(0.2, 10, 5), wsclient.Run(0.4, 10, 5, errors=["TimeoutError: x"])],
            "ConnectionError: refused"]
    summary = wsclient.summary(runs)
    assert summary["runs"] == 2 and summary["sessions_failed"] == 1 and summary["run_errors"] == 1
    assert summary["timeouts"] == 1 and summary["median_run_ms"] == 300


def test_in_process_figures_are_of_the_map_the_page_draws(ds):
    ecology = filters.Filters(theme=("ecology",))
    fmap = inprocess.overview_map(ds, ecology)  # folium's render is not idempotent: measure fresh maps once each
    payload = len(maps.map_payload(inprocess.overview_map(ds, ecology)).encode("utf-8"))
    assert inprocess.map_html_bytes(fmap) == payload
    everything = inprocess.overview_map(ds, filters.Filters())
    assert inprocess.map_html_bytes(everything) > inprocess.map_html_bytes(fmap)  # fewer features, fewer bytes
    assert 0 < inprocess.view_args(fmap) < inprocess.view_args(everything)
    assert maps.feature_ids_in(fmap) < maps.feature_ids_in(everything)
    ecology_rows = filters.apply(ds.measures, ecology)  # every layer, as the overview page draws it
    assert maps.feature_ids_in(fmap) == set(mapspec.features_of(ds, ecology_rows, None).index)


def test_multiplied_data_loads_without_rejections(ds, tmp_path):
    root = synth.make_data_root(tmp_path, 3)
    multiplied = data.load(root)
    assert multiplied.errors == [] and multiplied.rejected.empty
    assert len(multiplied.measures) == 3 * len(ds.measures)
    assert len(multiplied.geo.features) == 3 * len(ds.geo.features)
    fid = next(f for f, ids in ds.geo.features["measure_ids"].items() if ids and ds.geo.features.at[f, "geometry"])
    copy = synth.copy_id(fid, 2)
    assert len(multiplied.geo.features.at[copy, "measure_ids"]) == len(ds.geo.features.at[fid, "measure_ids"])
    assert not multiplied.geo.features.at[copy, "geometry"].equals(ds.geo.features.at[fid, "geometry"])
