"""The meeting deck's controls (presenter mode's 议程 menu, under the explorer): the meeting title, the
button that has the deck made, its progress, and the download. The deck is made by panprd.deck on its
worker thread, once per content; this script only polls it, so other sessions never wait for it."""

from __future__ import annotations

import time

import streamlit as st

from panprd import data, deck, filters, ledger_view, pages, views
from panprd.i18n import t
from panprd.tracking import clock

BUILDS = deck.Builds()  # one worker and the last decks, per process
POLL_S = 0.25


def _base_url(page: pages.PageSpec) -> str:
    """The app's address in the reader's browser (the closing slide's links start with it); "" unknown."""
    url = (st.context.url or "").rstrip("/")
    suffix = "" if page.is_default else "/" + page.key
    return url.removesuffix(suffix) if suffix and url.endswith(suffix) else url


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def controls(ds: data.Dataset, view: filters.ViewState, ledger: ledger_view.LedgerView, page: pages.PageSpec,
             key: str) -> None:
    """The meeting title, 生成汇报材料 and, once made (by anyone, for the same content), 汇报材料 (PPTX).

    `ds.measures` carries the statuses of `ledger`; called by the presenter bar (before the page's context is
    made) and by the explorer."""
    lang = view.lang
    views_bytes = views.VIEWS_PATH.read_bytes() if views.VIEWS_PATH.exists() else b""
    plan = deck.agenda(view, deck.read_saved(views_bytes.decode("utf-8", errors="replace")))
    title = st.text_input(t("deck_meeting_title", lang), key=f"{key}_title", max_chars=120,
                          placeholder=t("deck_default_title", lang), help=t("deck_help", lang)).strip()
    today, base_url = clock.today(), _base_url(page)  # the date in Asia/Shanghai, as the ledger's
    content = deck.content_key(views_bytes, ds.version, ledger.version, lang, title, today, base_url, plan)
    build = BUILDS.get(content)
    slot = st.empty()  # the button to make the deck, gone once it is being made
    if build is None and slot.button(t("deck_build", lang), key=f"{key}_build", icon=":material/slideshow:",
                                     width="stretch"):
        build = BUILDS.start(content, lambda progress: deck.build(ds, plan, lang, title, today, base_url, progress))
        slot.empty()
    if build is None:
        return
    if not build.done:
        bar = st.progress(0.0)
        while not build.done:  # a rerun (another click) stops this loop, not the build
            bar.progress(build.fraction, text=t("deck_progress", lang).format(i=build.step, n=build.steps,
                                                                              title=build.label))
            time.sleep(POLL_S)
        bar.empty()
    failure = build.future.exception()
    if failure is not None:
        st.error(t("deck_failed", lang))
        st.code(str(failure), language=None)
        return
    made = build.future.result()
    st.download_button(t("deck_download", lang), data=made.pptx, file_name=deck.file_name(plan, lang, today),
                       mime=deck.PPTX_MIME, key=f"{key}_download", on_click="ignore", icon=":material/download:",
                       type="primary", width="stretch")
    st.caption(t("deck_ready", lang).format(slides=made.slides, size=_size(len(made.pptx)), seconds=made.seconds))
