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
from dataclasses import replace

import streamlit as st
from sqlalchemy.engine import Engine

from panprd import data, ledger_view
from panprd.i18n import t
from panprd.tracking import store
from panprd.ui.html import alert, esc


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    return store.open_store(url)


RETRY_AFTER_S = 30.0
_failed: dict[str, tuple[float, store.StoreUnavailable]] = {}  # database URL → (monotonic time, the failure)


def opened() -> tuple[Engine | None, store.StoreUnavailable | None]:
    """(engine, None) when the ledger can be used, else (None, why: the banner says it)."""
    url = store.database_url()
    failure = _failed.get(url)
    if failure and time.monotonic() - failure[0] < RETRY_AFTER_S:
        return None, failure[1]
    try:
        engine = _engine(url)
    except store.StoreUnavailable as unavailable:
        _failed[url] = (time.monotonic(), unavailable)
        return None, unavailable
    _failed.pop(url, None)
    return engine, None


@st.cache_resource(show_spinner=False, max_entries=4)
def _joined(data_version: str, database: str, ledger_key: str, _ds: data.Dataset, _engine: Engine | None
            ) -> tuple[data.Dataset, ledger_view.LedgerView]:
    """The dataset with statuses joined, once per (data version, database, ledger key): the key holds the
    ledger's last change and today's date in Asia/Shanghai, so a report, review, due date or a new day
    shows. A failing read raises, and a failure is not cached."""
    view = ledger_view.read(_engine, _ds.measures) if _engine is not None else ledger_view.unread(_ds.measures)
    return replace(_ds, measures=ledger_view.with_statuses(_ds.measures, view.states)), view


def statuses(ds: data.Dataset) -> tuple[data.Dataset, ledger_view.LedgerView]:
    """The dataset whose measures carry each action's status and light, and the ledger view they came from.

    Reading the ledger's key is one small query per rerun; the states and the join are redone only when
    the key changes. With the store unavailable every action is grey, and the view holds the banner.
    """
    engine, problem = opened()
    if engine is not None:
        try:
            return _joined(ds.version, str(engine.url), ledger_view.cache_key(engine), ds, engine)
        except store.StoreUnavailable as unavailable:
            problem = unavailable
    joined, view = _joined(ds.version, "", "none", ds, None)
    return joined, replace(view, problem=problem)


def banner(view: ledger_view.LedgerView, lang: str) -> None:
    """Say that statuses are not shown when the ledger cannot be read; the maps and tables go on."""
    if view.problem:
        alert("pp-ledger-banner", t("ledger_unavailable", lang), f"<p>{esc(view.problem.text(lang))}</p>")
