"""The benchmark's modules import, and its synthetic data multiplier yields valid, bigger data."""

from __future__ import annotations

import importlib

import pytest

from bench import synth
from panprd import data


@pytest.mark.parametrize("module", ["bench.run", "bench.browser", "bench.wsclient", "bench.server", "bench.naive",
                                    "bench.inprocess", "bench.synth"])
def test_bench_modules_import(module):
    importlib.import_module(module)


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
