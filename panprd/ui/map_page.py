"""The four map pages: headline counts (overview), the map of the page's layer, the panel of the
clicked or linked feature or Fujian unit, the features that could not be mapped, and the downloads."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from panprd import data, filters, maps, mapspec, policy, vocab
from panprd.i18n import t
from panprd.ui import downloads
from panprd.ui.frame import PageContext
from panprd.ui.html import esc, status

PANEL_HEIGHT = 640


def headline(measures: pd.DataFrame, lang: str) -> None:
    """Headline counts that follow the filters."""
    clauses = measures[["section", "clause"]].drop_duplicates()
    places = {u for units in measures["fujian_units"] for u in units}
    partners = {p for ps in measures["partners"] for p in ps}
    units = {u for us in measures["lead_units"] for u in us}
    for col, key, value in zip(st.columns(5), ("clauses", "actions", "places", "partners", "units"),
                               (len(clauses), len(measures), len(places), len(partners), len(units))):
        col.metric(t(f"count_{key}", lang), value)


def panel(ctx: PageContext, measures: pd.DataFrame, selected: str | None) -> None:
    """The side panel: the actions that concern the selected feature or Fujian unit."""
    ds, lang = ctx.ds, ctx.lang
    if selected is None:
        st.html(f'<div class="pp-panel"><h4>{esc(t("panel_title", lang))}</h4>'
                f'<p>{esc(t("panel_hint", lang))}</p></div>')
        return
    if selected in ds.geo.features.index:
        feat = ds.geo.features.loc[selected]
        title = feat["name_zh"] if lang == "zh" else feat["name_en"]
        subset = measures[measures["features"].map(lambda fids: selected in fids)]
        basis = (f'<p class="pp-basis"><i>{esc(t("panel_geometry_basis", lang))}:</i> '
                 f'{esc(feat["geometry_basis"])}</p>')
    else:
        title = vocab.FUJIAN_UNITS[selected].label(lang)
        subset = measures[measures["fujian_units"].map(lambda units: selected in units)]
        basis = ""
    entries = []
    for mid, row in subset.iterrows():
        ref = policy.clause_ref(row["section"], row["clause"])
        link = ctx.view.href("policy", filters=filters.Filters(), clause=ref)
        entries.append(
            f'<li class="pp-action" data-measure="{esc(mid)}"><b>{esc(mid)} · '
            f'<a href="{esc(link)}" target="_self">{esc(policy.clause_label(row["section"], row["clause"]))}</a>'
            f'</b> {esc(row["title_zh"] if lang == "zh" else row["title_en"])}'
            f'<blockquote style="margin:4px 0;color:#333">{esc(row["text_zh"])}</blockquote>'
            f'<small>{esc(t("panel_lead_units", lang))}: '
            f'{esc(("、" if lang == "zh" else "; ").join(vocab.unit_label(u, lang) for u in row["lead_units"]))}'
            "</small></li>")
    body = "".join(entries) or f"<li>{esc(t('panel_no_actions', lang))}</li>"
    st.html(f'<div class="pp-panel" data-feature="{esc(selected)}" style="max-height:{PANEL_HEIGHT}px;overflow:auto">'
            f"<h4>{esc(title)}</h4>{basis}<p><b>{esc(t('panel_actions', lang))}</b> ({len(subset)})</p>"
            f'<ol style="padding-left:1.2em">{body}</ol></div>')


def _clicked_id(result: dict | None, ds: data.Dataset) -> str | None:
    clicked = ((result or {}).get("last_active_drawing") or {}).get("properties", {}).get("id")
    if not clicked:
        return None
    clicked = html.unescape(clicked)
    return clicked if clicked in ds.feature_keys else None


def map_with_panel(ctx: PageContext, measures: pd.DataFrame) -> None:
    """The map and, beside it, the panel of the clicked (or linked) feature's actions."""
    ds, lang, page = ctx.ds, ctx.lang, ctx.page.key
    selected = ctx.view.feature
    clicked_here = selected is not None and selected == st.session_state.get("clicked_feature")
    spec = mapspec.build(ds, measures, page, lang, focus=None if clicked_here else selected)
    if measures.empty:
        status("pp-empty", t("empty_result", lang), bold=True)
    elif spec.features.empty:
        status("pp-empty", t("empty_layer", lang))
    map_col, panel_col = st.columns([3, 1.25])
    with map_col:
        result = st_folium(maps.draw(ds, spec, ctx.tianditu_key), height=maps.DEFAULT_HEIGHT,
                           use_container_width=True, returned_objects=["last_active_drawing"], key=f"map_{page}")
    clicked = _clicked_id(result, ds)
    if clicked and clicked != selected:
        st.session_state["clicked_feature"] = clicked
        st.query_params["feature"] = clicked
        selected = clicked
    with panel_col:
        panel(ctx, measures, selected)
    unmapped = mapspec.features_of(ds, measures, ctx.page.layer, mapped=False)
    if not unmapped.empty:
        with st.expander(t("unmapped_title", lang)):
            st.html("<ul>" + "".join(
                f"<li>{esc(r['name_zh'] if lang == 'zh' else r['name_en'])} — {esc(r['geometry_basis'])}</li>"
                for _, r in unmapped.iterrows()) + "</ul>")


def render(ctx: PageContext) -> None:
    """A whole map page's body (the frame has drawn the sidebar, title and notes)."""
    measures = ctx.measures
    if ctx.page.layer is None:
        headline(measures, ctx.lang)
        st.caption(t("choropleth_caption", ctx.lang))
    else:
        st.caption(t(f"{ctx.page.key}_caption", ctx.lang))
    map_with_panel(ctx, measures)
    downloads.buttons(ctx, measures)
