"""Warm start (issue 23): what a first visit builds is built when the process starts, before it serves.

`serve.py` hands `lifespan` to `st.App`; Streamlit's server runs it before it answers anything, the health
check included, so a load balancer or `make meeting` sends no visitor to a process still loading. Built:
the data and the ledger's statuses, the base map and the static map files per language, the overview's map
of the empty filter per language, and the facet counts of the empty filter. Each is kept by the cache the
pages read (panprd.viewcache, st.cache_resource), under the key a page asks for.

One private step: Streamlit registers a custom component when its module is imported inside a script run
(`declare_component` registers only with a ScriptRunContext). The warm start imports streamlit-folium
outside one, so a later import in a page finds the module loaded and the component would never be served
(the map's iframe: 404). `_register_map_component` does what `declare_component` would have done; Streamlit
is pinned (~=1.67.0) and tests/test_third_party_contract.py fails if either side of this changes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit_folium
from streamlit import runtime

from panprd import filters, pages, viewcache
from panprd.ui import frame, ledger, mapview

_LOG = logging.getLogger(__name__)


def warm() -> dict[str, float]:
    """Build what a first visit of the overview builds; seconds per step."""
    taken: dict[str, float] = {}
    start = time.perf_counter()
    ds, tracked = ledger.statuses(frame.dataset("zh"))
    taken["data"] = time.perf_counter() - start
    overview = pages.PAGES[0].key
    for lang in filters.LANGS:
        start = time.perf_counter()
        view = viewcache.MapView(overview, filters.Filters(), lang)
        mapview.cached(ds, ds.measures, view, ledger_version=tracked.version)
        taken[f"map_{lang}"] = time.perf_counter() - start
    start = time.perf_counter()
    for key in filters.CHOICE_KEYS:
        viewcache.facet_counts(ds, filters.Filters(), key, tracked.version)
    taken["facets"] = time.perf_counter() - start
    return taken


def _register_map_component() -> None:
    """Register streamlit-folium's component with the running Streamlit, as an import in a script run does."""
    runtime.get_instance().component_registry.register_component(streamlit_folium._component_func)


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Warm the process, then serve. A failure is logged and the process serves anyway (the pages then say
    what is wrong with the data, as without a warm start)."""
    _register_map_component()
    try:
        taken = await asyncio.to_thread(warm)
        _LOG.warning("warm start: %s", ", ".join(f"{k} {v:.2f} s" for k, v in taken.items()))
    except Exception:  # the pages report a data problem better than a process that does not start
        _LOG.exception("warm start failed; serving cold")
    yield
