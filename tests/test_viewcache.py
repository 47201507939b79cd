"""The map cache: a cached view is the map an uncached build gives, and anything the map depends on
(the view, the data's version, the ledger's version) changes the key."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from panprd import filters, viewcache
from panprd.ui import mapview

F = filters.Filters
# Each view differs from one before it in one field, so a key that left that field out would hand back
# the earlier view's map.
VIEWS = [
    viewcache.MapView("overview", F()),
    viewcache.MapView("overview", F(theme=("ecology",))),
    viewcache.MapView("overview", F(theme=("ecology",)), lang="en"),
    viewcache.MapView("overview", F(theme=("ecology",)), lang="en", large=True),
    viewcache.MapView("corridors", F(partner=("440000",))),
    viewcache.MapView("corridors", F(partner=("440000", "360000"))),
    viewcache.MapView("corridors", F(partner=("440000", "360000"), q="铁路")),
    viewcache.MapView("overview", F(), selected=("350200",)),
    viewcache.MapView("overview", F(), focus="350200", selected=("350200",)),
    viewcache.MapView("overview", F(), tianditu_key="test-key"),
]


@pytest.fixture()
def cache(monkeypatch):
    fresh = viewcache.ViewCache()
    monkeypatch.setattr(viewcache, "MAPS", fresh)
    return fresh


def measures_of(ds, view):
    return filters.apply(ds.measures, view.filters)


def test_cached_maps_equal_uncached_builds(ds, cache):
    for view in VIEWS:
        cached = mapview.cached(ds, measures_of(ds, view), view)
        assert mapview.cached(ds, measures_of(ds, view), view) is cached  # the second ask is a hit
        fresh = mapview.build(ds, measures_of(ds, view), view)
        assert dict(cached.args) == dict(fresh.args), view  # the same base map
        assert cached.view_script == fresh.view_script, view  # the same view: features, styles, names, window
        assert (cached.view_id, cached.legend, cached.empty_layer) == (fresh.view_id, fresh.legend, fresh.empty_layer)
    assert cache.stats() == {"hits": len(VIEWS), "misses": len(VIEWS), "entries": len(VIEWS)}
    drawn = {(lambda b: (b.view_script, b.args["script"], b.args["html"]))(mapview.cached(ds, measures_of(ds, v), v))
             for v in VIEWS}
    assert len(drawn) == len(VIEWS)  # every view drew a different map (view, tiles, or the notice's size)


def test_the_key_follows_the_data_and_the_ledger_but_not_the_order_of_values(ds):
    view = viewcache.MapView("corridors", F(partner=("440000", "360000")))
    key = viewcache.cache_key(view, ds)
    assert viewcache.cache_key(dataclasses.replace(view, filters=F(partner=("360000", "440000"))), ds) == key
    assert viewcache.cache_key(view, dataclasses.replace(ds, version="0123456789ab")) != key
    assert viewcache.cache_key(view, ds, ledger_version="2026-11-28T10:00|2026-11-28") != key
    assert viewcache.cache_key(view, ds, "a") != viewcache.cache_key(view, ds, "b")


def test_a_new_data_or_ledger_version_is_a_new_build(ds, cache):
    view = viewcache.MapView("overview", F(theme=("ecology",)))
    first = mapview.cached(ds, measures_of(ds, view), view)
    newer = dataclasses.replace(ds, version="0123456789ab")
    assert mapview.cached(newer, measures_of(newer, view), view) is not first
    assert mapview.cached(ds, measures_of(ds, view), view, ledger_version="changed") is not first
    assert mapview.cached(ds, measures_of(ds, view), view) is first
    assert cache.stats()["misses"] == 3


def test_many_sessions_asking_at_once_cost_one_build():
    cache = viewcache.ViewCache()
    calls: list[int] = []
    gate = threading.Event()

    def build() -> str:
        gate.wait(5)
        calls.append(1)
        return "map"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join(10)
    assert results == ["map"] * 8 and len(calls) == 1
    assert cache.stats() == {"hits": 7, "misses": 1, "entries": 1}


def test_the_cache_keeps_the_most_recently_used():
    cache = viewcache.ViewCache(max_entries=2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 1)
    cache.get("c", lambda: 3)
    assert cache.get("b", lambda: "rebuilt") == "rebuilt"
    assert cache.get("a", lambda: "rebuilt") == "rebuilt"  # pushed out by c and b
