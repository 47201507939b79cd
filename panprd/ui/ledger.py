"""The tracking ledger as the pages reach it: one engine per process and database URL.

Both the /tracking page (sign-in, reports, review) and every page that shows statuses (filters,
maps, tables, downloads) open the store here, so a process holds one connection pool. When the
database cannot be opened the dashboard goes on from the policy data: `opened()` returns None and
the message for a banner. A failed open is remembered for RETRY_AFTER_S seconds only,
so a database that comes back is picked up without a restart, and an unreachable server (whose
connect timeout is seconds) does not hold up every rerun of every page meanwhile.
"""

from __future__ import annotations

import time

import streamlit as st
from sqlalchemy.engine import Engine

from panprd.tracking import store


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return store.open_store(url)


RETRY_AFTER_S = 30.0
_failed: dict[str, tuple[float, str]] = {}  # database URL → (monotonic time of the failure, message)


def opened() -> tuple[Engine | None, str | None]:
    """(engine, None) when the ledger can be used, else (None, the banner's message)."""
    url = store.database_url()
    failure = _failed.get(url)
    if failure and time.monotonic() - failure[0] < RETRY_AFTER_S:
        return None, failure[1]
    try:
        engine = _engine(url)
    except store.StoreUnavailable as unavailable:
        _failed[url] = (time.monotonic(), str(unavailable))
        return None, str(unavailable)
    _failed.pop(url, None)
    return engine, None
