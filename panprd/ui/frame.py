"""The page frame, run once per full rerun by app.py before the page itself ("the picture frame" of
Streamlit's multipage apps): page config, local assets, data, view state, the sidebar (language, sign-in,
basemap, larger type and presenter switches), the presenter bar, title and banners. The page's body then
runs in one fragment (`body`): the page links, the filter bar, URL notes and what the page draws from one
`PageContext`. A filter change or a map click reruns the fragment alone (issue 23: the frame and sidebar
were re-run and re-sent on every change).

The URL query string is the one source of truth for the view: every run, full or fragment, reads it, seeds
the widgets from it, and a widget change writes it back. The page links carry it (filters, language,
presenter mode), so switching pages keeps the view.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st

from panprd import data, filters, ledger_view, pages, viewcache
from panprd.assets import STATIC_DIR, ensure_static_assets
from panprd.i18n import t
from panprd.tracking.accounts import Account
from panprd.ui import deck, ledger, oidc_signin, presenter, signin
from panprd.ui.html import LARGE_CSS, PAGE_CSS, alert, document_lang, esc, items

CONTEXT_KEY = "pp_page_context"
FRAME_KEY = "pp_frame"  # (the last full run's context, whether this run made it)


@dataclass(frozen=True)
class PageContext:
    """What a page needs: the page, the data, the view state of the URL, and the sidebar's choices."""

    page: pages.PageSpec
    ds: data.Dataset
    view: filters.ViewState
    tianditu_key: str | None = None
    account: Account | None = None  # the signed-in ledger account, None for a viewer
    # The ledger the statuses in ds.measures came from (its key, states, engine); no ledger: all grey.
    ledger: ledger_view.LedgerView = ledger_view.LedgerView()
    notes: tuple[filters.Note, ...] = ()  # what the URL asked for that could not be shown, and why

    @property
    def lang(self) -> str:
        return self.view.lang

    @property
    def measures(self) -> pd.DataFrame:
        """The measures that pass the view's filters."""
        return filters.apply(self.ds.measures, self.view.filters)


@st.cache_resource(show_spinner=False, max_entries=2)
def _load(root: str, stamp: tuple[tuple[str, int, int], ...]) -> data.Dataset:
    loaded = data.load(Path(root))
    # What is in memory now (the data, the geometries, the imported libraries) lives as long as the process:
    # freeze it out of the garbage collector, so that a full collection walks only what reruns create.
    gc.collect()
    gc.freeze()
    return loaded


# The last version of the data that loaded, per data folder: served when a newer save is unusable.
_last_good: dict[str, data.Dataset] = {}


def dataset(lang: str) -> data.Dataset:
    """The loaded data, once per process and per version of the files on disk.

    When a colleague saves a file that cannot be used, the previous version keeps being served with
    a warning that lists what is wrong with the new one; with no previous version, the page stops
    with the list.
    """
    root = str(data.ROOT)
    try:
        loaded = _load(root, data.stamp(data.ROOT))
    except data.DataError as exc:
        if root not in _last_good:
            st.error(t("data_unusable", lang))
            st.html(items(i.text(lang) for i in exc.issues))
            st.stop()
        alert("pp-stale", t("data_stale", lang), items(i.text(lang) for i in exc.issues), "#c62828", "#ffebee")
        return _last_good[root]
    _last_good[root] = loaded
    return loaded


def _url_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _write_filters(new: filters.Filters) -> None:
    """Replace the filters in the URL, keeping the other keys (language, presenter, basemap); a
    feature chosen on the map is dropped, since it may no longer be shown."""
    keep = {k: v for k, v in st.query_params.to_dict().items() if k not in filters.KEYS and k != "feature"}
    st.query_params.from_dict({**new.query(), **keep})


def _on_widget_change() -> None:
    values: dict[str, object] = {}
    for spec in filters.REGISTRY:
        if spec.is_text:
            values[spec.key] = st.session_state.get(f"w_{spec.key}", "").strip()[: filters.MAX_QUERY_CHARS]
        else:
            values[spec.key] = tuple(st.session_state.get(f"w_{spec.key}", ()))
    _write_filters(filters.Filters(**values))


def _on_clear() -> None:
    _write_filters(filters.Filters())


def _on_lang_change() -> None:
    st.query_params["lang"] = st.session_state["w_lang"]


def _on_size_change() -> None:  # same page: st.query_params updates the address bar
    if st.session_state.get("w_size"):
        st.query_params["size"] = "large"
    elif "size" in st.query_params:
        del st.query_params["size"]


def _size_switch(view: filters.ViewState) -> None:
    """Larger type for older readers, kept in the URL as size=large like every other view choice."""
    st.session_state["w_size"] = view.large
    st.toggle(t("large_type", view.lang), key="w_size", on_change=_on_size_change, help=t("large_type_hint", view.lang))


def _filter_widget(ds: data.Dataset, view: filters.ViewState, spec: filters.FilterSpec, ledger_key: str) -> None:
    lang = view.lang
    key = f"w_{spec.key}"
    label = t(f"filter_{spec.key}", lang)
    if spec.is_text:
        st.session_state[key] = view.filters[spec.key]
        st.text_input(label, key=key, on_change=_on_widget_change, max_chars=filters.MAX_QUERY_CHARS)
        return
    counts = viewcache.facet_counts(ds, view.filters, spec.key, ledger_key)
    st.session_state[key] = list(view.filters[spec.key])
    st.multiselect(label, list(spec.vocabulary(ds.measures)), key=key, on_change=_on_widget_change,
                   format_func=lambda v, s=spec, c=counts: f"{s.label(v, lang)} ({c.get(v, 0)})",
                   placeholder="—")


def _basemap_choice(lang: str) -> str | None:
    """The 天地图 key when the user opted in and a key is configured; None means our own basemap."""
    choice = st.radio(t("basemap", lang), ("own", "tianditu"), key="w_basemap",
                      format_func=lambda c: t(f"basemap_{c}", lang))
    if choice != "tianditu":
        return None
    try:
        key = st.secrets.get("tianditu_key")
    except FileNotFoundError:
        key = None
    if not key:
        st.info(t("tianditu_missing_key", lang))
        return None
    return str(key)


def _sidebar(page: pages.PageSpec, view: filters.ViewState, account: Account | None) -> str | None:
    """Language, sign-in, basemap (map pages), larger type and the presenter switch: the choices that change
    the whole page (each reruns the whole script); returns the 天地图 key. The page links and filters are in
    the main area's bar (`nav_bar`, `filter_bar`): a filter change reruns that fragment only, and a fragment
    cannot rewrite the sidebar, whose links would then carry a stale view."""
    lang = view.lang
    with st.sidebar:
        st.markdown(f"### {esc(t('app_title', lang))}")
        signin.sidebar_status(account, view)
        st.session_state["w_lang"] = lang
        st.radio(t("language", lang), filters.LANGS, key="w_lang", horizontal=True,
                 format_func=lambda code: "中文" if code == "zh" else "English", on_change=_on_lang_change)
        tianditu_key = _basemap_choice(lang) if page.kind == "map" else None
        _size_switch(view)
        presenter.switch(view)
    return tianditu_key


def nav_bar(view: filters.ViewState) -> None:
    """The page links, each carrying the view's query string (filters, language, larger type)."""
    with st.container(horizontal=True, gap="small", key="pp_nav"):
        for other in pages.PAGES:
            st.page_link(other.file, label=other.title(view.lang), query_params=view.target(other.key).query())


def filter_bar(ds: data.Dataset, view: filters.ViewState, ledger_key: str) -> None:
    """The filters above the page's body: one widget per registered filter, seeded from the URL, each value
    labelled with its row count; the clear button and the sharing hint beside them."""
    lang = view.lang
    with st.container(border=True, key="pp_filters"):
        with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
            st.html(f'<h2 class="pp-filters-title">{esc(t("filters", lang))}</h2>', width="content")
            st.button(t("clear_filters", lang), on_click=_on_clear, disabled=not view.filters.active)
            st.caption(t("share_hint", lang))
        columns = st.columns(4) + st.columns(4)
        for spec, column in zip(filters.REGISTRY, columns, strict=True):
            with column:
                _filter_widget(ds, view, spec, ledger_key)


def url_notes(notes: list[filters.Note], lang: str) -> None:
    if not notes:
        return
    body = "".join(f"<li><code>{esc(n.key)}</code>{'=' + esc(n.value) if n.value else ''} ({esc(n.reason)})</li>"
                   for n in notes)
    st.html(f'<div class="pp-url-notes" role="status" style="background:#e3f2fd;padding:6px 12px;'
            f'border-radius:4px">{esc(t("url_notes", lang))}<ul>{body}</ul></div>')


def data_banner(ds: data.Dataset, lang: str) -> None:
    """Say which rows and features were rejected and why: nothing is dropped silently."""
    geo_errors = [i for i in ds.errors if i.file.startswith("geodata/")]
    if ds.rejected.empty and not geo_errors:
        return
    body = "".join(f"<li>{esc(r['row'])}: {esc(r['measure_id'])} — {esc(_reasons(r['reasons'], lang))}</li>"
                   for _, r in ds.rejected.iterrows())
    body += "".join(f"<li>{esc(i.text(lang))}</li>" for i in geo_errors)
    alert("pp-banner", t("data_rejected", lang).format(n=len(ds.rejected)), f"<ul>{body}</ul>")


def _reasons(issues: tuple[data.Issue, ...], lang: str) -> str:
    """What is wrong with one rejected row, column by column, in the page's language."""
    separator = "；" if lang == "zh" else "; "
    return separator.join(f"{i.column or ''}{t('colon', lang)}{i.said.text(lang)}" for i in issues)


def _view(page: pages.PageSpec, ds: data.Dataset) -> tuple[filters.ViewState, list[filters.Note]]:
    return filters.view_from_query(page.key, _url_params(), filters.choices_from(ds.measures), ds.feature_keys,
                                   ds.policy.refs, ds.measures.index)


def start(page: pages.PageSpec) -> PageContext:
    """Everything a page shares, run once per full rerun before the page; the context is kept for the page."""
    ensure_static_assets(STATIC_DIR)
    raw_lang = st.query_params.get("lang", "zh")
    lang = raw_lang if raw_lang in filters.LANGS else "zh"
    st.set_page_config(page_title=t("app_title", lang), layout="wide", initial_sidebar_state="expanded")
    document_lang(lang)
    ds, tracked = ledger.statuses(dataset(lang))  # ds.measures carries each action's status and light
    view, notes = _view(page, ds)
    account = signin.current_account(tracked.engine)  # from the signed session cookie; None for a viewer
    platform_problem = None
    if account is None:  # or signed in through the province's identity platform, when [auth] is configured
        account, platform_problem = oidc_signin.platform_account(tracked.engine)
        oidc_signin.return_to_target(page, account)
    tianditu_key = _sidebar(page, view, account)
    if view.present:
        presenter.bar(view, lambda: deck.controls(ds, view, tracked, page, "pp_deck_present"))
    st.title(page.title(lang))
    if not view.present:
        st.caption(t("app_subtitle", lang))
    data_banner(ds, lang)
    ledger.banner(tracked, lang)
    if platform_problem:
        alert("pp-platform-refused", t("platform_refused", lang), f"<p>{esc(platform_problem.text(lang))}</p>")
    st.html(PAGE_CSS)
    if view.large:
        st.html(LARGE_CSS)
    context = PageContext(page, ds, view, tianditu_key, account, ledger=tracked, notes=tuple(notes))
    st.session_state[CONTEXT_KEY] = context
    return context


def context(page_key: str) -> PageContext:
    """The context app.py's frame made for this run; the page calls this with its own key.

    Streamlit runs a file of the top-level `pages/` folder by itself, without app.py, until the first
    run of app.py in the process has called st.navigation (its v1 multipage mode, which AppTest also
    uses on every run). The page then runs the frame itself, so it is the same page either way. The
    context is taken out of the session state, so a later run never finds a stale one.
    """
    made = st.session_state.pop(CONTEXT_KEY, None)
    if made is None or made.page.key != page_key:
        made = start(pages.BY_KEY[page_key])
        st.session_state.pop(CONTEXT_KEY, None)
    return made


def body(page_key: str, draw: Callable[[PageContext], None]) -> None:
    """The page's body below the frame: the page links, the filter bar and what `draw` draws, in one
    fragment, so that a filter change (or a click on the map) reruns this part alone and the sidebar, title
    and banners stay as they are in the browser. The full run's context is kept for the fragment's reruns."""
    st.session_state[FRAME_KEY] = (context(page_key), True)
    _body(draw)


@st.fragment
def _body(draw: Callable[[PageContext], None]) -> None:
    made, fresh = st.session_state[FRAME_KEY]
    ctx = made if fresh else _refreshed(made)
    st.session_state[FRAME_KEY] = (made, False)
    if not ctx.view.present:  # a slide has the presenter bar instead
        nav_bar(ctx.view)
        filter_bar(ctx.ds, ctx.view, ctx.ledger.version)
    url_notes(list(ctx.notes), ctx.lang)
    draw(ctx)


def _refreshed(made: PageContext) -> PageContext:
    """The context of a fragment's rerun: the view of the URL as it is now, the data and ledger statuses as
    they are now (both cached: a version check and one small query); the sidebar's choices (天地图 key,
    account) from the full run, since changing one of them reruns the whole page."""
    ds, tracked = ledger.statuses(dataset(made.lang))
    view, notes = _view(made.page, ds)
    return replace(made, ds=ds, view=view, ledger=tracked, notes=tuple(notes))
