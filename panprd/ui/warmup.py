"""Warm start (issue 23): what a first visit builds is built when the process starts, before it serves.

`serve.py` hands `lifespan` to `st.App`; Streamlit's server runs it before it answers anything, the health
check included, so a load balancer or `make meeting` sends no visitor to a process still loading. Built:
the data and the ledger's statuses, the base map and the static map files per language, the overview's map
of the empty filter per language, and the facet counts of the empty filter. Each is kept by the cache the
pages read (panprd.viewcache, st.cache_resource), under the key a page asks for.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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


@asynccontextmanager
async def lifespan(_app: object) -> AsyncIterator[None]:
    """Warm the process, then serve. A failure is logged and the process serves anyway (the pages then say
    what is wrong with the data, as without a warm start)."""
    try:
        taken = await asyncio.to_thread(warm)
        _LOG.warning("warm start: %s", ", ".join(f"{k} {v:.2f} s" for k, v in taken.items()))
    except Exception:  # the pages report a data problem better than a process that does not start
        _LOG.exception("warm start failed; serving cold")
    yield
