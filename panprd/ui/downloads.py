"""The download buttons under every map and in the explorer: what you see is what you get."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from panprd import export, filters, policy
from panprd.i18n import t
from panprd.map import png as static_map
from panprd.tracking import status, store
from panprd.ui.frame import PageContext
from panprd.ui.html import esc

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def details(ctx: PageContext) -> export.Details | None:
    """The notes and evidence behind the statuses, for a signed-in account only (None for a viewer, and
    when the ledger cannot be read: the file then carries statuses without them)."""
    if ctx.account is None or ctx.ledger.engine is None:
        return None
    try:
        return status.current_details(ctx.ledger.engine, ctx.ledger.states)
    except store.StoreUnavailable:
        return None


def buttons(ctx: PageContext, measures: pd.DataFrame) -> None:
    """CSV, Excel, GeoJSON and a PNG map image of exactly the rows shown, named after the view.

    The files are made only when their button is clicked (deferred data) and a click does not rerun
    the page. A map page's GeoJSON and PNG hold its layer; the explorer's hold every layer, as the
    overview does, and record the clause its rows were narrowed to (?clause=). CSV and Excel carry each
    row's status, light, as-of and due date; the note and evidence only for a signed-in account.
    """
    ds, view, lang = ctx.ds, ctx.view, ctx.lang
    states = ctx.ledger.states
    now = datetime.now()
    page = ctx.page.key if ctx.page.kind == "map" else "overview"
    clause = view.clause if ctx.page.kind == "measures" else None
    description = view.filters.describe(lang)
    if clause:
        description = " · ".join(p for p in (policy.clause_label(*policy.parse_ref(clause)), description) if p)
    title = description or t("png_title_all", lang)
    subtitle = t("png_subtitle", lang).format(filters=description or t("png_no_filter", lang), n=len(measures),
                                              date=now.strftime("%Y-%m-%d"))

    def name(extension: str) -> str:
        base = export.file_name(view.filters, extension, now)
        return base.replace("measures_", f"measures_clause-{clause.replace('.', '-')}_", 1) if clause else base

    st.html(f'<p class="pp-downloads"><b>{esc(t("downloads", lang))}</b></p>')
    files = [
        ("csv", "text/csv", lambda: export.to_csv(ds, measures, lang, details(ctx))),
        ("xlsx", XLSX_MIME, lambda: export.to_xlsx(ds, measures, view.filters, lang, now, states, details(ctx))),
        ("geojson", "application/geo+json", lambda: export.to_geojson(ds, measures, ctx.page.layer)),
        ("png", "image/png", lambda: static_map.render(ds, measures, page, lang, title, subtitle,
                                                       filters.lights_asked(view.filters),
                                                       filters_text=description, focus=view.feature).png),
    ]
    for extension, mime, make in files:
        st.download_button(t(f"download_{extension}", lang), data=make, file_name=name(extension), mime=mime,
                           key=f"pp_download_{extension}", on_click="ignore", icon=":material/download:",
                           width="stretch")
    st.caption(t("formula_caption", lang))
    if static_map.cjk_font() is None:
        st.caption(t("png_no_font", lang))
