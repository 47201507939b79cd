"""Streamlit widgets shared by the pages: the sidebar filters bound to the URL, the map and its panel.

The URL query string is the one source of truth for the filters: every run reads it, seeds the
widgets from it, and a widget change writes it back. Page links carry the query, so switching
pages keeps the filters. Data text reaches the page only HTML-escaped, through st.html, never
through Markdown (a Markdown image in a cell would make the browser fetch from outside).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from panprd import data, filters, maps, vocab
from panprd.assets import ensure_static_assets
from panprd.i18n import LANGS, t

PAGES: dict[str, str] = {
    "overview": "pages/overview.py",
    "corridors": "pages/corridors.py",
    "transfer_zones": "pages/transfer_zones.py",
    "ecology": "pages/ecology.py",
    "measures": "pages/measures.py",
    "units": "pages/units.py",
    "policy": "pages/policy.py",
}
STATIC_DIR = data.APP_DIR / "static"  # Streamlit serves the folder next to app.py


def _data_stamp(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Size and mtime of every data file, so a changed file on disk reloads the cache."""
    paths = [root / "measures.csv", *sorted((root / "geodata").glob("*.geojson"))]
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists())


@st.cache_resource(show_spinner=False, max_entries=2)
def _load(root: str, stamp: tuple[tuple[str, int, int], ...]) -> data.Dataset:
    return data.load(Path(root))


# The last version of the data that loaded, per data folder: served when a newer save is unusable.
_last_good: dict[str, data.Dataset] = {}


def dataset(lang_: str = "zh") -> data.Dataset:
    """The loaded data, once per process and per version of the files on disk.

    When a colleague saves a file that cannot be used, the previous version keeps being served with
    a warning that lists what is wrong with the new one; with no previous version, DataError.
    """
    root = str(data.ROOT)
    try:
        loaded = _load(root, _data_stamp(data.ROOT))
    except data.DataError as exc:
        if root not in _last_good:
            raise
        st.html(f'<div class="pp-stale" role="alert" style="background:#ffebee;border-left:4px solid #c62828;'
                f'padding:8px 12px"><b>{esc(t("data_stale", lang_))}</b><ul>'
                + "".join(f"<li>{esc(i)}</li>" for i in exc.issues) + "</ul></div>")
        return _last_good[root]
    _last_good[root] = loaded
    return loaded


def lang() -> str:
    value = st.query_params.get("lang", "zh")
    return value if value in LANGS else "zh"


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def setup(page_key: str) -> str:
    """Page config, local assets, language; returns the UI language."""
    ensure_static_assets(STATIC_DIR)
    current = lang()
    st.set_page_config(page_title=t("app_title", current), layout="wide", initial_sidebar_state="expanded")
    return current


def current_query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _write_query(new_filters: filters.Filters) -> None:
    """Replace the filter keys of the URL, keeping the view keys (lang, present, ...)."""
    view = {k: v for k, v in st.query_params.to_dict().items() if k in filters.VIEW_KEYS and k != "feature"}
    st.query_params.from_dict({**view, **filters.to_query(new_filters)})


def _on_widget_change() -> None:
    values = {key: tuple(st.session_state.get(f"w_{key}", ())) for key in vocab.FILTER_KEYS if key != "q"}
    _write_query(filters.Filters(**values, q=st.session_state.get("w_q", "").strip()[: filters.MAX_QUERY_CHARS]))


def _on_lang_change() -> None:
    st.query_params["lang"] = st.session_state["w_lang"]


def _on_clear() -> None:
    _write_query(filters.Filters())


def _labeller(key: str, lang_: str, counts: dict[str, int]):
    def label(value: str) -> str:
        if key == "theme":
            text = vocab.THEMES[value].label(lang_)
        elif key == "topic":
            text = vocab.TOPICS[value].label(lang_)
        elif key == "partner":
            text = vocab.PARTNERS[value].label(lang_)
        elif key == "place":
            text = vocab.FUJIAN_UNITS[value].label(lang_)
        else:
            text = value
        return f"{text} ({counts.get(value, 0)})"

    return label


def sidebar(ds: data.Dataset, lang_: str, page_key: str) -> tuple[filters.Filters, list[filters.Note]]:
    """Navigation, language and the filter widgets, seeded from the URL. Returns the URL's filters."""
    choices = filters.choices_from(ds.measures)
    current, notes = filters.from_query(current_query(), choices)
    query = {k: v for k, v in st.query_params.to_dict().items() if k in (*vocab.FILTER_KEYS, "lang")}
    with st.sidebar:
        st.markdown(f"### {esc(t('app_title', lang_))}")
        for key, path in PAGES.items():
            st.page_link(path, label=t(f"page_{key}", lang_), query_params=query)
        st.session_state["w_lang"] = lang_
        st.radio(t("language", lang_), LANGS, key="w_lang", horizontal=True,
                 format_func=lambda code: "中文" if code == "zh" else "English", on_change=_on_lang_change)
        st.markdown(f"#### {esc(t('filters', lang_))}")
        options = {
            "theme": list(vocab.THEMES),
            "topic": list(vocab.TOPICS),
            "partner": list(vocab.PARTNERS),
            "place": list(vocab.FUJIAN_UNITS),
            "unit": sorted(choices.unit),
        }
        for key, values in options.items():
            st.session_state[f"w_{key}"] = list(getattr(current, key))
            counts = filters.facet_counts(ds.measures, current, key)
            st.multiselect(t(f"filter_{key}", lang_), values, key=f"w_{key}", on_change=_on_widget_change,
                           format_func=_labeller(key, lang_, counts), placeholder="—")
        st.session_state["w_q"] = current.q
        st.text_input(t("filter_q", lang_), key="w_q", on_change=_on_widget_change,
                      max_chars=filters.MAX_QUERY_CHARS)
        st.button(t("clear_filters", lang_), on_click=_on_clear, disabled=not current.active)
        st.caption(t("share_hint", lang_))
    return current, notes


def basemap_choice(lang_: str) -> str | None:
    """The 天地图 key when the user opted in and a key is configured; None means our own basemap."""
    with st.sidebar:
        choice = st.radio(t("basemap", lang_), ("own", "tianditu"), key="w_basemap",
                          format_func=lambda c: t(f"basemap_{c}", lang_))
    if choice != "tianditu":
        return None
    try:
        key = st.secrets.get("tianditu_key")
    except FileNotFoundError:
        key = None
    if not key:
        st.sidebar.info(t("tianditu_missing_key", lang_))
        return None
    return str(key)


def data_banner(ds: data.Dataset, lang_: str) -> None:
    """Say which rows and features were rejected and why: nothing is dropped silently."""
    geo_errors = [i for i in ds.errors if i.file.startswith("geodata/")]
    if ds.rejected.empty and not geo_errors:
        return
    items = "".join(f"<li>{esc(r['row'])}: {esc(r['measure_id'])} — {esc(r['reasons'])}</li>"
                    for _, r in ds.rejected.iterrows())
    items += "".join(f"<li>{esc(i)}</li>" for i in geo_errors)
    st.html(f'<div class="pp-banner" role="alert" style="background:#fff3e0;border-left:4px solid #e65100;'
            f'padding:8px 12px"><b>{esc(t("data_rejected", lang_).format(n=len(ds.rejected)))}</b>'
            f"<ul>{items}</ul></div>")


def url_notes(notes: list[filters.Note], lang_: str) -> None:
    if not notes:
        return
    items = "".join(f"<li><code>{esc(n.key)}</code>{'=' + esc(n.value) if n.value else ''} ({esc(n.reason)})</li>"
                    for n in notes)
    st.html(f'<div class="pp-url-notes" role="status" style="background:#e3f2fd;padding:6px 12px;'
            f'border-radius:4px">{esc(t("url_notes", lang_))}<ul>{items}</ul></div>')


def headline(ds: data.Dataset, measures: pd.DataFrame, lang_: str) -> None:
    """Headline counts that follow the filters."""
    clauses = measures[["section", "clause"]].drop_duplicates()
    places = {u for units in measures["fujian_units"] for u in units}
    partners = {p for ps in measures["partners"] for p in ps}
    units = {u for us in measures["lead_units"] for u in us}
    cols = st.columns(5)
    for col, key, value in zip(cols, ("clauses", "actions", "places", "partners", "units"),
                               (len(clauses), len(measures), len(places), len(partners), len(units))):
        col.metric(t(f"count_{key}", lang_), value)


def _feature_param(ds: data.Dataset, lang_: str) -> str | None:
    fid = st.query_params.get("feature")
    if not fid:
        return None
    if fid in ds.geo.features.index or fid in vocab.FUJIAN_UNITS:
        return fid
    st.html(f'<div class="pp-url-notes">{esc(t("feature_unknown", lang_))} <code>{esc(fid[:80])}</code></div>')
    return None


def map_with_panel(ds: data.Dataset, measures: pd.DataFrame, page_key: str, lang_: str,
                   tianditu_key: str | None) -> None:
    """The map and, beside it, the panel of the clicked (or linked) feature's actions."""
    layer = maps.PAGE_LAYERS[page_key]
    selected = _feature_param(ds, lang_)
    clicked_here = selected is not None and selected == st.session_state.get("clicked_feature")
    view = maps.MapView(page=page_key, lang=lang_, choropleth=page_key == "overview",
                        focus=None if clicked_here else selected, tianditu_key=tianditu_key)
    if measures.empty:
        st.html(f'<p class="pp-empty" role="status"><b>{esc(t("empty_result", lang_))}</b></p>')
    elif maps.visible_features(ds, measures, layer).empty:
        st.html(f'<p class="pp-empty" role="status">{esc(t("empty_layer", lang_))}</p>')
    map_col, panel_col = st.columns([3, 1.25])
    with map_col:
        fmap = maps.build_map(ds, measures, view)
        result = st_folium(fmap, height=view.height, use_container_width=True,
                           returned_objects=["last_active_drawing"], key=f"map_{page_key}")
    clicked = ((result or {}).get("last_active_drawing") or {}).get("properties", {}).get("id")
    if clicked:
        clicked = html.unescape(clicked)
        if clicked != selected and (clicked in ds.geo.features.index or clicked in vocab.FUJIAN_UNITS):
            st.session_state["clicked_feature"] = clicked
            st.query_params["feature"] = clicked
            selected = clicked
    with panel_col:
        panel(ds, measures, selected, lang_)
    unmapped = maps.unmapped_features(ds, measures, layer)
    if not unmapped.empty:
        with st.expander(t("unmapped_title", lang_)):
            st.html("<ul>" + "".join(
                f"<li>{esc(r['name_zh'] if lang_ == 'zh' else r['name_en'])} — "
                f"{esc(data.feature_text(r, 'geometry_basis', lang_))}</li>"
                for _, r in unmapped.iterrows()) + "</ul>")


def panel(ds: data.Dataset, measures: pd.DataFrame, selected: str | None, lang_: str) -> None:
    """The side panel: the actions that concern the selected feature or Fujian unit."""
    if selected is None:
        st.html(f'<div class="pp-panel"><h4>{esc(t("panel_title", lang_))}</h4>'
                f'<p>{esc(t("panel_hint", lang_))}</p></div>')
        return
    if selected in ds.geo.features.index:
        feat = ds.geo.features.loc[selected]
        title = feat["name_zh"] if lang_ == "zh" else feat["name_en"]
        subset = measures[measures["features"].map(lambda fids: selected in fids)]
        basis = (f'<p class="pp-basis"><i>{esc(t("panel_geometry_basis", lang_))}:</i> '
                 f'{esc(data.feature_text(feat, "geometry_basis", lang_))}</p>')
    else:
        title = vocab.FUJIAN_UNITS[selected].label(lang_)
        subset = measures[measures["fujian_units"].map(lambda units: selected in units)]
        basis = ""
    items = []
    for mid, row in subset.iterrows():
        clause = f"{vocab.SECTION_NUMERALS[row['section']]}（{vocab.SECTION_NUMERALS[row['clause']]}）"
        title_m = row["title_zh"] if lang_ == "zh" else row["title_en"]
        policy_link = f"./policy?clause={row['section']}.{row['clause']}&lang={lang_}"
        items.append(
            f'<li class="pp-action" data-measure="{esc(mid)}"><b>{esc(mid)} · '
            f'<a href="{esc(policy_link)}" target="_self">{esc(clause)}</a></b> {esc(title_m)}'
            f'<blockquote style="margin:4px 0;color:#333">{esc(row["text_zh"])}</blockquote>'
            f'<small>{esc(t("panel_lead_units", lang_))}: {esc("、".join(row["lead_units"]))}</small></li>')
    body = "".join(items) or f"<li>{esc(t('panel_no_actions', lang_))}</li>"
    st.html(f'<div class="pp-panel" data-feature="{esc(selected)}" style="max-height:640px;overflow:auto">'
            f"<h4>{esc(title)}</h4>{basis}<p><b>{esc(t('panel_actions', lang_))}</b> ({len(subset)})</p>"
            f'<ol style="padding-left:1.2em">{body}</ol></div>')


def map_page(page_key: str) -> None:
    """A whole map page: sidebar filters, notes, headline counts (overview), map and panel."""
    lang_ = setup(page_key)
    try:
        ds = dataset(lang_)
    except data.DataError as exc:
        st.error(t("data_unusable", lang_))
        st.html("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in exc.issues) + "</ul>")
        st.stop()
    from panprd.ui_pages import download_buttons, presenter_controls  # ui_pages builds on this module

    current, notes = sidebar(ds, lang_, page_key)
    tianditu_key = basemap_choice(lang_)
    presenter_controls(page_key, lang_)
    st.title(t(f"page_{page_key}", lang_))
    st.caption(t("app_subtitle", lang_))
    url_notes(notes, lang_)
    data_banner(ds, lang_)
    measures = filters.apply(ds.measures, current)
    if page_key == "overview":
        headline(ds, measures, lang_)
        st.caption(t("choropleth_caption", lang_))
    else:
        st.caption(t(f"{page_key}_caption", lang_))
    map_with_panel(ds, measures, page_key, lang_, tianditu_key)
    download_buttons(ds, measures, current, lang_, layer=maps.PAGE_LAYERS[page_key])
