"""The measures explorer: Datasette-style facets, the sortable table, a small map and the downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from panprd import explorer, filters, policy, search, viewcache
from panprd.i18n import t
from panprd.ui import deck, downloads, mapview
from panprd.ui.frame import PageContext
from panprd.ui.html import esc, status

SMALL_MAP_HEIGHT = 440
MATCHES_SHOWN = 50
FACET_TOP = 8


def facet_summary(ctx: PageContext, measures: pd.DataFrame) -> None:
    """Facets above the table: each value with the rows it would give, as a link that toggles it."""
    lang = ctx.lang
    blocks = []
    for facet in explorer.facets(measures, ctx.view):
        shown = [v for v in facet.values if v.selected] + [v for v in facet.values if not v.selected][:FACET_TOP]
        more = len(facet.values) - len(shown)
        links = "".join(
            f'<a class="{"pp-on" if v.selected else ""}" data-facet="{esc(facet.key)}" data-value="{esc(v.value)}" '
            f'href="{esc(v.href)}">{esc(v.label)} <span class="pp-n">({v.count}){" ×" if v.selected else ""}</span></a>'
            for v in shown
        )
        if more > 0:
            links += f'<span class="pp-more">{esc(t("facet_more", lang).format(n=more))}</span>'
        if links:
            blocks.append(f'<div class="pp-facet"><b>{esc(t(f"filter_{facet.key}", lang))}:</b>{links}</div>')
    st.html(f'<div class="pp-facets" role="navigation" aria-label="{esc(t("facet_summary", lang))}" '
            f'title="{esc(t("facet_summary", lang))}">' + "".join(blocks) + "</div>")


def slide_table(ctx: PageContext, measures: pd.DataFrame) -> None:
    """The table for a room (presenter mode): the columns a room can read, every cell wrapped, nothing cut."""
    table = explorer.explorer_table(ctx.ds, measures, ctx.view)
    columns = ("measure_id", "title", "unit", "partner")
    labels = {"measure_id": t("col_measure_id", ctx.lang), "title": t("col_title", ctx.lang),
              "unit": t("filter_unit", ctx.lang), "partner": t("filter_partner", ctx.lang)}
    head = "".join(f'<th scope="col">{esc(labels[c])}</th>' for c in columns)
    rows = "".join("<tr>" + "".join(f"<td>{esc(row[c])}</td>" for c in columns) + "</tr>"
                   for _, row in table.iterrows())
    # focusable (tabindex): a keyboard scrolls it too
    st.html(f'<div class="pp-slide-table" tabindex="0" role="region" aria-label="{esc(t("page_measures", ctx.lang))}">'
            f'<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')


def measures_table(ctx: PageContext, measures: pd.DataFrame) -> None:
    """The sortable table of every column."""
    lang = ctx.lang
    col = st.column_config
    choice_columns = {spec.key: col.TextColumn(t(f"filter_{spec.key}", lang)) for spec in filters.REGISTRY
                      if not spec.is_text}
    st.dataframe(
        explorer.explorer_table(ctx.ds, measures, ctx.view),
        hide_index=True,
        width="stretch",
        height="auto",
        column_order=["measure_id", "source", "title", *choice_columns, "as_of", "due", "features", "text_zh"],
        column_config={
            "measure_id": col.TextColumn(t("col_measure_id", lang), width="small"),
            "source": col.LinkColumn(t("col_source", lang), display_text=r"clause=(\d+\.\d+)", width="small",
                                     help=t("col_source_help", lang)),
            "title": col.TextColumn(t("col_title", lang), width="large"),
            **choice_columns,
            "as_of": col.TextColumn(t("col_as_of", lang), width="small"),
            "due": col.TextColumn(t("col_due", lang), width="small"),
            "features": col.TextColumn(t("col_features", lang), width="medium"),
            "text_zh": col.TextColumn(t("col_text", lang), width="large"),
        },
        key="pp_measures_table",
    )


def search_matches(ctx: PageContext, measures: pd.DataFrame) -> None:
    """With a search, the matching rows' titles and text with every match marked, and how many there are:
    the table cannot mark text, so the matches are listed above it."""
    q, lang = ctx.view.filters.q, ctx.lang
    if not q or measures.empty:
        return
    title_col = "title_zh" if lang == "zh" else "title_en"
    rows, total = [], 0
    for mid, row in measures.iterrows():
        texts = (row[title_col], row["text_zh"])
        total += sum(search.count(text, q) for text in texts)
        rows.append(f'<li data-measure="{esc(mid)}"><b>{esc(mid)}</b> {search.highlight(texts[0], q)}'
                    f'<br><small>{search.highlight(texts[1], q)}</small></li>')
    with st.expander(t("search_matches_title", lang), expanded=True):  # a fixed label: labels are Markdown
        st.html(f'<p class="pp-match-count" role="status">'
                f'{esc(t("search_matches", lang).format(n=total, rows=len(measures), q=q))}</p>'
                f'<ol class="pp-matches" data-matches="{total}">{"".join(rows[:MATCHES_SHOWN])}</ol>')


def small_map(ctx: PageContext, measures: pd.DataFrame, height: int = SMALL_MAP_HEIGHT) -> None:
    """The filtered rows' Fujian places (shaded by count) and features, on the offline basemap."""
    view = viewcache.MapView("overview", ctx.view.filters, ctx.lang, large=ctx.view.present)  # the overview's map
    built = mapview.cached(ctx.ds, measures, view, ledger_version=ctx.ledger.version)
    mapview.show(built, "map_measures", height, returned=[])
    st.html(built.legend)
    if not ctx.view.present:
        st.caption(t("small_map_caption", ctx.lang))


def render(ctx: PageContext) -> None:
    ds, view, lang = ctx.ds, ctx.view, ctx.lang
    measures = ctx.measures
    clause = view.clause
    if clause:
        measures = explorer.rows_of_clause(measures, clause)
        label = policy.clause_label(*policy.parse_ref(clause))
        st.html(f'<p class="pp-clause-note" role="status">'
                f'{esc(t("clause_filter_note", lang).format(clause=clause))} '
                f'<a href="{esc(view.href("policy", filters=filters.Filters(), clause=clause))}">{esc(label)}</a> · '
                f'<a href="{esc(view.href(clause=None))}">{esc(t("clause_filter_clear", lang))}</a></p>')
    if not view.present:
        st.caption(t("measures_caption", lang))
        facet_summary(ctx, explorer.rows_of_clause(ds.measures, clause) if clause else ds.measures)
    st.html(f'<p class="pp-rowcount" role="status" data-rows="{len(measures)}">'
            f'{esc(t("rows_shown", lang).format(n=len(measures), total=len(ds.measures)))}</p>')
    if measures.empty:
        status("pp-empty", t("empty_result", lang), bold=True)
    if view.present:  # the map first and large, beside the table's readable columns
        map_col, table_col = st.columns([1.15, 1])
        with map_col:
            if not measures.empty:
                small_map(ctx, measures, 560)
        with table_col:
            slide_table(ctx, measures)
        return
    search_matches(ctx, measures)
    measures_table(ctx, measures)
    map_col, download_col = st.columns([3, 1])
    with map_col:
        if not measures.empty:
            small_map(ctx, measures)
    with download_col:
        downloads.buttons(ctx, measures)
        deck.controls(ctx.ds, view, ctx.ledger, ctx.page, "pp_deck")
