"""The four map pages: headline counts (overview), the map of the page's layer, the panel of the
clicked or linked feature or Fujian unit, the features that could not be mapped, and the downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from panprd import data, filters, ledger_view, policy, search, viewcache, vocab
from panprd.i18n import t
from panprd.map import leaflet as maps
from panprd.map import levels
from panprd.map import spec as mapspec
from panprd.map import text as maptext
from panprd.ui import downloads, mapview
from panprd.ui.frame import PageContext
from panprd.ui.html import esc, status, status_chip

PANEL_HEIGHT = 640
PRESENTER_MAP_HEIGHT = 600  # shown at 1.2× zoom: the presenter bar, headline and map fit 1920×1080


def headline(measures: pd.DataFrame, lang: str) -> None:
    """Headline counts that follow the filters, and 已完成 N / M: confirmed completed of the actions shown."""
    clauses = measures[["section", "clause"]].drop_duplicates()
    places = {u for units in measures["fujian_units"] for u in units}
    partners = {p for ps in measures["partners"] for p in ps}
    units = {u for us in measures["lead_units"] for u in us}
    columns = st.columns(6)
    for col, key, value in zip(columns, ("clauses", "actions", "places", "partners", "units"),
                               (len(clauses), len(measures), len(places), len(partners), len(units))):
        col.metric(t(f"count_{key}", lang), value)
    done = t("count_completed_value", lang).format(n=ledger_view.completed(measures), total=len(measures))
    columns[5].metric(t("count_completed", lang), done, help=t("count_completed_help", lang))


def _section(ctx: PageContext, measures: pd.DataFrame, selected: str, heading: str, county: str | None = None) -> str:
    """One chosen feature or Fujian unit: its name (a unit with the county clicked in it: 思明区 · 厦门市),
    how it was drawn, and the actions that concern it."""
    ds, lang = ctx.ds, ctx.lang
    if selected in ds.geo.features.index:
        feat = ds.geo.features.loc[selected]
        title = feat["name_zh"] if lang == "zh" else feat["name_en"]
        subset = measures[measures["features"].map(lambda fids: selected in fids)]
        basis = (f'<p class="pp-basis"><i>{esc(t("panel_geometry_basis", lang))}:</i> '
                 f'{esc(data.feature_text(feat, "geometry_basis", lang))}<br>'
                 f'<i>{esc(t("panel_source", lang))}:</i> {esc(data.feature_text(feat, "source", lang))}</p>')
    else:
        title = vocab.FUJIAN_UNITS[selected].label(lang)
        if county and county != selected and (name := levels.county_name(ds, county, lang)):
            title = f"{name} · {title}"
        subset = measures[measures["fujian_units"].map(lambda units: selected in units)]
        basis = ""
    q = ctx.view.filters.q
    entries = []
    for mid, row in subset.iterrows():
        ref = policy.clause_ref(row["section"], row["clause"])
        link = ctx.view.href("policy", filters=filters.Filters(), clause=ref)
        units = ("、" if lang == "zh" else "; ").join(vocab.unit_label(u, lang) for u in row["lead_units"])
        entries.append(
            f'<li class="pp-action" data-measure="{esc(mid)}"><b>{esc(mid)} · '
            f'<a href="{esc(link)}" target="_self">{esc(policy.clause_label(row["section"], row["clause"]))}</a>'
            f'</b> {search.highlight(row["title_zh"] if lang == "zh" else row["title_en"], q)}'
            f'{status_chip(row.get("status", ""), row.get("light", "grey"), row.get("as_of", ""), lang)}'
            f'<blockquote style="margin:4px 0;color:#333">{search.highlight(row["text_zh"], q)}</blockquote>'
            f'<small>{esc(t("panel_lead_units", lang))}: {esc(units)}</small></li>')
    body = "".join(entries) or f"<li>{esc(t('panel_no_actions', lang))}</li>"
    if q:
        matches = sum(search.count(row[c], q) for _, row in subset.iterrows()
                      for c in ("title_zh" if lang == "zh" else "title_en", "text_zh"))
        body = f'<p class="pp-match-count">{esc(t("panel_matches", lang).format(n=matches, q=q))}</p>' + body
    return (f'<section class="pp-panel-item" data-item="{esc(selected)}"><{heading}>{esc(title)}</{heading}>{basis}'
            f"<p><b>{esc(t('panel_actions', lang))}</b> ({len(subset)})</p>"
            f'<ol style="padding-left:1.2em">{body}</ol></section>')


def panel(ctx: PageContext, measures: pd.DataFrame, selected: tuple[str, ...], county: str | None = None) -> None:
    """The side panel: the actions that concern each chosen feature or Fujian unit; the first in full,
    the others that lie under the same click after it (`county`: the county a click fell in)."""
    lang = ctx.lang
    if not selected:
        st.html(f'<div class="pp-panel"><h4>{esc(t("panel_title", lang))}</h4>'
                f'<p>{esc(t("panel_hint", lang))}</p></div>')
        return
    first, *others = selected
    body = _section(ctx, measures, first, "h4", county)
    if others:
        body += (f'<p class="pp-also"><b>{esc(t("panel_also_here", lang))}</b></p>'
                 + "".join(_section(ctx, measures, other, "h5", county) for other in others))
    st.html(f'<div class="pp-panel" data-feature="{esc(first)}" style="max-height:{PANEL_HEIGHT}px;overflow:auto">'
            f"{body}</div>")


def _new_click(page: str) -> tuple[float, float] | None:
    """The point of a click on the map that this session has not handled yet (lon, lat)."""
    clicked = (st.session_state.get(f"map_{page}") or {}).get("last_clicked")
    if not clicked:
        return None
    point = (float(clicked["lng"]), float(clicked["lat"]))
    if st.session_state.get("pp_click") == (page, point):
        return None
    st.session_state["pp_click"] = (page, point)
    return point


def map_list(ctx: PageContext, entries: tuple[maptext.Entry, ...], feature_ids: set[str]) -> str:
    """"本图要素": every drawn feature and Fujian unit as a link that opens it on the map, with its kind or count
    and light (what the map shows, reachable by keyboard and read by screen readers)."""
    lang = ctx.lang

    def items(chosen: list[maptext.Entry]) -> str:
        return "".join(f'<li><a href="{esc(ctx.view.href(feature=e.key))}" target="_self" data-key="{esc(e.key)}">'
                       f'{esc(e.name)}</a> <span class="pp-n">{esc(e.detail)}</span></li>' for e in chosen)

    features = [e for e in entries if e.key in feature_ids]
    units = [e for e in entries if e.key not in feature_ids]
    body = (f"<h5>{esc(t('map_list_features', lang))} ({len(features)})</h5><ul>{items(features)}</ul>"
            if features else "")
    return (f'<nav class="pp-map-list" aria-label="{esc(t("map_list", lang))}">{body}'
            f"<h5>{esc(t('map_list_units', lang))}</h5><ul>{items(units)}</ul></nav>")


def unmapped_list(ds: data.Dataset, measures: pd.DataFrame, layer: str | None, lang: str) -> str:
    """The features the shown actions name that have no geometry, each with why (its geometry basis)."""
    unmapped = mapspec.features_of(ds, measures, layer, mapped=False)
    return "".join(f"<li>{esc(data.feature_text(r, 'name', lang))} — "
                   f"{esc(data.feature_text(r, 'geometry_basis', lang))}</li>" for _, r in unmapped.iterrows())


def map_with_panel(ctx: PageContext, measures: pd.DataFrame) -> None:
    """The map and, beside it, the panel of what was clicked (everything under the click, hit-tested here
    from the click's point) or linked (`?feature=`); the chosen things are drawn highlighted."""
    ds, lang, page = ctx.ds, ctx.lang, ctx.page.key
    linked = ctx.view.feature
    click = _new_click(page)
    if click is not None:  # hit-tested against the map the reader clicked on
        hits = mapspec.hit_test(ds, mapspec.build(ds, measures, page, lang, focus=linked), *click)
        st.session_state["pp_hits"] = hits
        found = levels.county_at(ds, *click)
        st.session_state["pp_county"] = found[0] if found and found[1] in hits else None
        if hits:
            st.query_params["feature"] = hits[0]
        elif "feature" in st.query_params:
            del st.query_params["feature"]
        linked = hits[0] if hits else None
    hits = st.session_state.get("pp_hits", ())
    clicked_here = bool(hits) and linked == hits[0]  # chosen on this map: keep the reader's window
    selected = hits if clicked_here else (linked,) if linked else ()
    view = viewcache.MapView(page, ctx.view.filters, lang, focus=None if clicked_here else linked, selected=selected,
                             tianditu_key=ctx.tianditu_key, large=ctx.view.present)
    built = mapview.cached(ds, measures, view, ledger_version=ctx.ledger.version)
    if measures.empty:
        status("pp-empty", t("empty_result", lang), bold=True)
    elif built.empty_layer:
        status("pp-empty", t("empty_layer", lang))
    map_col, panel_col = st.columns([3, 1.25])
    with map_col:
        st.html(f'<p class="pp-sr-only pp-map-summary" role="note" aria-label="{esc(t("map_summary_label", lang))}">'
                f"{esc(built.summary)} {esc(t('map_summary_list', lang))}</p>")
        mapview.show(built, f"map_{page}", PRESENTER_MAP_HEIGHT if ctx.view.present else maps.DEFAULT_HEIGHT)
        if not ctx.view.present:
            # built once per view (at x100 the list has 4,200 links: a quarter of a cache-hit rerun, profiled)
            key = viewcache.map_list_key(viewcache.cache_key(view, ds, ctx.ledger.version), ctx.view)
            listed = viewcache.LISTS.get(key, lambda: map_list(ctx, built.entries, set(ds.geo.features.index)))
            with st.expander(f"{t('map_list', lang)} ({len(built.entries)})"):
                st.html(listed)
    with panel_col:
        st.html(built.legend)
        panel(ctx, measures, selected, st.session_state.get("pp_county") if clicked_here else None)
    if not ctx.view.present:
        key = viewcache.unmapped_key(ds, page, ctx.view.filters, lang, ctx.ledger.version)
        unmapped = viewcache.LISTS.get(key, lambda: unmapped_list(ds, measures, ctx.page.layer, lang))
        if unmapped:
            with st.expander(t("unmapped_title", lang)):
                st.html(f"<ul>{unmapped}</ul>")


def render(ctx: PageContext) -> None:
    """A whole map page's body (the frame has drawn the sidebar, title and notes)."""
    measures = ctx.measures
    if ctx.page.layer is None:
        headline(measures, ctx.lang)
    if not ctx.view.present:  # a slide is the map: captions and downloads are for the desk
        st.caption(t("choropleth_caption" if ctx.page.layer is None else f"{ctx.page.key}_caption", ctx.lang))
    map_with_panel(ctx, measures)
    if not ctx.view.present:
        downloads.buttons(ctx, measures)
