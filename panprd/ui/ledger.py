"""The tracking ledger as the pages reach it: one engine per process and database URL.

Both the /tracking page (sign-in, reports, review) and every page that shows statuses (filters,
maps, tables, downloads) open the store here, so a process holds one connection pool. When the
database cannot be opened the dashboard goes on from the policy data: `engine()` returns None and
`problem()` the message for a banner. A failed open is not cached, so the next rerun tries again
(a database that comes back is picked up without a restart).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from panprd.tracking import store


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return store.open_store(url)


def opened() -> tuple[Engine | None, str | None]:
    """(engine, None) when the ledger can be used, else (None, the banner's message)."""
    try:
        return _engine(store.database_url()), None
    except store.StoreUnavailable as unavailable:
        return None, str(unavailable)
