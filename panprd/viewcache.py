"""Build once per view, not once per session: a process-wide cache of what a map page computes.

Twenty people in a meeting looking at the same filtered view should cost one map build. The
cache is keyed by `cache_key`: the normalised view (page, filters with their values sorted,
language, the feature the window fits, the chosen features, basemap choice, projector size) plus
everything else the map depends on: the data's version (`Dataset.version`, a hash of the files'
bytes) and a `ledger_version` the caller passes (the tracking ledger's last change and today's
date in Asia/Shanghai, once ledger statuses reach the maps). A build for a key runs once even
when many sessions ask for it at the same moment (the others wait for it); the cache holds the
`MAX_ENTRIES` most recently used views. Values are treated as immutable by every caller.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import TypeVar

from panprd import filters
from panprd.data import Dataset

STATS_ENV = "PANPRD_CACHE_STATS"  # a file path: the counters are written there after every lookup (benchmarks)
MAX_ENTRIES = 256  # ~0.4 MB per overview entry at ×1: ~100 MB at most
T = TypeVar("T")


@dataclass(frozen=True)
class MapView:
    """Everything of a page's view that its map depends on (the page's data comes with the key)."""

    page: str
    filters: filters.Filters
    lang: str = "zh"
    focus: str | None = None  # the feature or Fujian unit the window fits (a `?feature=` link)
    selected: tuple[str, ...] = ()  # drawn highlighted (a link or a click), in the panel's order
    tianditu_key: str | None = None  # 天地图 tiles under our basemap; None: our own basemap only
    large: bool = False  # presenter mode: projector type


def normalised_filters(current: filters.Filters) -> tuple[tuple[str, object], ...]:
    """The filters with each choice's values sorted and the search text stripped: the same rows and
    the same map whatever order the URL named them in."""
    return tuple((key, value.strip() if isinstance(value, str) else tuple(sorted(set(value))))
                 for key, value in current.items())


def cache_key(view: MapView, ds: Dataset, ledger_version: str = "") -> tuple[Hashable, ...]:
    """The key of one map view: the normalised view, the data's version and the ledger's version
    (its last change and today's date where overdue is shown; "" while no ledger data reaches maps)."""
    return ("map", ds.version, ledger_version, view.page, normalised_filters(view.filters), view.lang,
            view.focus, view.selected, view.tianditu_key, view.large)


def map_list_key(map_key: tuple[Hashable, ...], links: filters.ViewState) -> tuple[Hashable, ...]:
    """The key of a map's 本图要素 list: its map's key (the entries) and the view its links start from (a
    feature link replaces `feature`, so that one is left out)."""
    return ("map_list", map_key, replace(links, feature=None))


def unmapped_key(ds: Dataset, page: str, current: filters.Filters, lang: str,
                 ledger_version: str = "") -> tuple[Hashable, ...]:
    """The key of a page's list of the named features without a geometry: what its rows and its layer are."""
    return ("unmapped", ds.version, ledger_version, page, normalised_filters(current), lang)


def facet_key(ds: Dataset, current: filters.Filters, key: str, ledger_version: str = "") -> tuple[Hashable, ...]:
    """The key of one filter's facet counts under the other filters (the status and light counts follow
    the ledger, hence its version)."""
    return ("facet", ds.version, ledger_version, key, normalised_filters(current))


class ViewCache:
    """A bounded LRU of built views with one build per key at a time, and hit/miss counters."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._values: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for `key`, built by `build()` on a miss (once, however many threads ask)."""
        value = self._get(key, build)
        if os.environ.get(STATS_ENV):
            write_stats(os.environ[STATS_ENV])
        return value

    _MISSING = object()

    def _hit(self, key: Hashable) -> object:
        """The cached value counted as a hit, or _MISSING; call with the lock held."""
        if key not in self._values:
            return self._MISSING
        self.hits += 1
        self._values.move_to_end(key)
        return self._values[key]

    def _get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            found = self._hit(key)
            if found is not self._MISSING:
                return found  # type: ignore[return-value]
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                found = self._hit(key)  # built by another thread while this one waited?
                if found is not self._MISSING:
                    return found  # type: ignore[return-value]
            value = build()
            with self._lock:
                self.misses += 1
                self._values[key] = value
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
                self._building.pop(key, None)
        return value

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "entries": len(self._values)}

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self.hits = self.misses = 0


MAPS = ViewCache()
FACETS = ViewCache(max_entries=4096)
LISTS = ViewCache()  # a map page's lists of what it draws and what it cannot (panprd.ui.map_page), as HTML
BASES = ViewCache(max_entries=16)  # the base maps (panprd.ui.mapview): per data version, language, tiles, size


def write_stats(path: str) -> None:
    """The hit and miss counters of both caches as JSON, for bench/load.py's hit rate."""
    text = json.dumps({"maps": MAPS.stats(), "facets": FACETS.stats()})
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def facet_counts(ds: Dataset, current: filters.Filters, key: str, ledger_version: str = "") -> dict[str, int]:
    """`filters.facet_counts`, once per data version, ledger version and filter state (a shared dict: do
    not change it)."""
    return FACETS.get(facet_key(ds, current, key, ledger_version),
                      lambda: filters.facet_counts(ds.measures, current, key))
