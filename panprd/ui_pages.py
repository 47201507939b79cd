"""Streamlit code of the measures explorer, lead units and policy text pages, the downloads and presenter mode.

The pure parts (facets, matrix, policy parsing, saved views, steps) are in panprd.explorer; the page
frame (config, data, sidebar, notes) is panprd.ui's. `panprd.ui` is imported as a module and used at
call time, so ui.py may import this module too (inside a function) without an import cycle.

As everywhere in the app, data text reaches the page only HTML-escaped through st.html, or as the
plain text cells of st.dataframe; never through Markdown.
"""

from __future__ import annotations

import functools
from datetime import datetime

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from panprd import data, explorer, export, filters, maps, static_map, ui, vocab
from panprd.i18n import t


def esc(value: object) -> str:
    """HTML-escape (ui.esc, looked up at call time so ui.py may import this module at its top)."""
    return ui.esc(value)


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SMALL_MAP_HEIGHT = 440

PAGE_CSS = """<style>
[data-testid="stElementContainer"]:has(> iframe[title^="pp-"]){display:none}
.pp-facets{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:0.9rem;line-height:1.7;margin:2px 0 6px}
.pp-facet b{margin-right:4px;color:#424242}
.pp-facet a{text-decoration:none;color:#0d47a1;white-space:nowrap;margin-right:8px}
.pp-facet a.pp-on{color:#fff;background:#b22222;border-radius:10px;padding:0 8px}
.pp-facet .pp-n{color:#757575}
.pp-facet a.pp-on .pp-n{color:#ffe0e0}
.pp-more{color:#757575;font-size:0.85em}
.pp-rowcount{font-weight:600;margin:4px 0}
.pp-clause-note{background:#fff8e1;border-left:4px solid #b22222;padding:4px 10px;border-radius:4px;margin:0}
.pp-matrix{border-collapse:collapse;font-size:0.92rem;width:100%}
.pp-matrix th,.pp-matrix td{border:1px solid #e0e0e0;padding:3px 6px;text-align:center}
.pp-matrix thead th{position:sticky;top:0;background:#fafafa;font-weight:600;vertical-align:bottom}
.pp-matrix tbody th{text-align:left;font-weight:500;white-space:nowrap}
.pp-matrix td a,.pp-matrix th a{text-decoration:none;color:inherit;display:block}
.pp-matrix tbody th a{color:#0d47a1}
.pp-matrix td.pp-total{font-weight:700;background:#f5f5f5}
.pp-matrix th.pp-total{white-space:nowrap}
.pp-policy{max-width:980px;font-size:1.02rem;line-height:1.85}
.pp-policy h3{margin:1.4em 0 .4em;border-bottom:2px solid #b22222;padding-bottom:2px}
.pp-policy p{margin:.35em 0;text-indent:2em}
.pp-clause{border-left:4px solid transparent;padding:4px 12px 8px;margin:10px 0;border-radius:4px;
  scroll-margin-top:80px}
.pp-clause p.pp-first{text-indent:0}
.pp-ref{color:#b22222;text-decoration:none;font-weight:700;margin-right:2px}
.pp-clause p.pp-units{text-indent:0;color:#5d4037;font-size:.93rem}
.pp-clause-selected{border-left-color:#b22222;background:#fff8e1;box-shadow:0 0 0 2px #ffcc80}
.pp-chips{display:flex;flex-wrap:wrap;gap:4px 6px;align-items:center;margin:4px 0;text-indent:0}
.pp-chips .pp-chips-label{font-size:.8rem;color:#616161;margin-right:2px}
.pp-chip{display:inline-block;border-radius:12px;padding:0 9px;font-size:.85rem;line-height:1.6;
  text-decoration:none;border:1px solid}
.pp-chip-action{background:#fce4ec;border-color:#f48fb1;color:#880e4f}
.pp-chip-place{background:#fff3e0;border-color:#ffb74d;color:#6d4c41}
.pp-chip-partner{background:#e8f5e9;border-color:#a5d6a7;color:#1b5e20}
.pp-chip-feature{background:#e3f2fd;border-color:#90caf9;color:#0d47a1}
.pp-chip.pp-dim{opacity:.4}
.pp-open{font-size:.85rem;margin-left:6px}
.pp-toc{font-size:.9rem;line-height:1.8;columns:2;max-width:980px}
.pp-toc a{text-decoration:none;margin-right:6px}
</style>"""

PRESENTER_CSS = """<style>
[data-testid="stElementContainer"]:has(> iframe[title^="pp-"]){display:none}
section[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"]{display:none !important}
[data-testid="stMainBlockContainer"]{max-width:100% !important;padding:1.2rem 3rem 2rem !important}
[data-testid="stMainBlockContainer"] :is(p,li,td,th,label,summary){font-size:1.45rem !important;line-height:1.5}
[data-testid="stCaptionContainer"],[data-testid="stCaptionContainer"] p{font-size:1.2rem !important}
[data-testid="stMetricValue"]{font-size:3.6rem !important}
[data-testid="stMetricLabel"] p{font-size:1.5rem !important}
[data-testid="stElementContainer"]:has([data-testid="stDataFrame"]){zoom:1.3;width:calc(100% / 1.3) !important}
[data-testid="stElementContainer"]:has(> div > iframe[title="streamlit_folium.st_folium"]){zoom:1.2;
  width:calc(100% / 1.2) !important}
[data-testid="stMainBlockContainer"] h1{display:none}
.pp-step-title{font-size:3.4rem !important;line-height:1.15;margin:0;color:#212121;font-weight:800}
.pp-step-pos{font-size:1.4rem !important;color:#757575;margin:0 !important}
.pp-step{display:inline-block;border:2px solid #b22222;border-radius:10px;padding:.4rem 1.1rem;background:#fff;
  font-size:1.8rem;font-weight:700;color:#b22222 !important;text-decoration:none;white-space:nowrap}
.pp-step:hover{background:#b22222;color:#fff !important}
.pp-step-off{border-color:#e0e0e0;color:#bdbdbd !important}
.pp-exit{display:block;text-align:center;border:1px solid #bdbdbd;border-radius:8px;padding:.3rem .6rem;
  font-size:1.2rem;color:#424242 !important;text-decoration:none}
.pp-agenda{font-size:1.3rem;line-height:1.8;padding-left:1.4em;margin:0}
html body .pp-facets{font-size:1.3rem}
html body .pp-matrix{font-size:1.3rem}
html body .pp-policy{max-width:none;font-size:1.5rem}
html body .pp-chip{font-size:1.2rem}
html body .pp-chips-label,html body .pp-open{font-size:1.1rem}
</style>"""

# Presenter keys: ← / PageUp and → / PageDown follow the Previous / Next links (a clicker sends those).
PRESENTER_KEYS_JS = """<script>
(function () {
  var doc = window.parent.document;
  if (doc.__ppPresenterKeys) { return; }
  doc.__ppPresenterKeys = true;
  doc.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (/INPUT|TEXTAREA|SELECT/.test(tag)) { return; }
    var which = (e.key === "ArrowRight" || e.key === "PageDown") ? "next"
      : (e.key === "ArrowLeft" || e.key === "PageUp") ? "prev" : null;
    var link = which && doc.querySelector("a.pp-step.pp-" + which);
    if (link) { e.preventDefault(); link.click(); }
  });
})();
</script>"""


# ---------------------------------------------------------------- page frame


def _start(page_key: str) -> tuple[str, data.Dataset, filters.Filters, bool]:
    """Config, data, sidebar, presenter controls, title, URL notes and data banner of a page."""
    lang_ = ui.setup(page_key)
    try:
        ds = ui.dataset(lang_)
    except data.DataError as exc:
        st.error(t("data_unusable", lang_))
        st.html("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in exc.issues) + "</ul>")
        st.stop()
    current, notes = ui.sidebar(ds, lang_, page_key)
    presenting = presenter_controls(page_key, lang_)
    st.title(t(f"page_{page_key}", lang_))
    st.caption(t("app_subtitle", lang_))
    ui.url_notes(notes, lang_)
    ui.data_banner(ds, lang_)
    st.html(PAGE_CSS)
    return lang_, ds, current, presenting


def _params() -> dict[str, str]:
    """The URL query, one value per key (the last; comma-separated values stay as they are)."""
    return st.query_params.to_dict()


def _clause_param(ds: data.Dataset, lang_: str) -> str | None:
    """The `clause` view key when it names a clause of the text; an unknown one is noted and ignored."""
    value = st.query_params.get("clause")
    if not value:
        return None
    if value in explorer.known_clauses(ds):
        return value
    ui.url_notes([filters.Note("clause", value[:40], "unknown clause")], lang_)
    return None


# ---------------------------------------------------------------- measures explorer


def facet_summary(measures: pd.DataFrame, current: filters.Filters, lang_: str, top: int = 8) -> None:
    """Datasette-style facets above the table: each value with the rows it would give, as a link."""
    keep = explorer.carried(_params())
    if st.query_params.get("clause"):
        keep["clause"] = st.query_params.get("clause")
    blocks = []
    for facet in explorer.facets(measures, current, lang_):
        shown = [v for v in facet.values if v.selected] + [v for v in facet.values if not v.selected][:top]
        more = len(facet.values) - len(shown)
        links = "".join(
            f'<a class="{"pp-on" if v.selected else ""}" data-facet="{esc(facet.key)}" data-value="{esc(v.value)}" '
            f'href="{esc(explorer.page_href("measures", {**v.params, **keep}))}"'
            f'>{esc(v.label)} <span class="pp-n">({v.count}){" ×" if v.selected else ""}</span></a>'
            for v in shown
        )
        if more > 0:
            links += f'<span class="pp-more">{esc(t("facet_more", lang_).format(n=more))}</span>'
        if links:
            blocks.append(f'<div class="pp-facet"><b>{esc(t(f"filter_{facet.key}", lang_))}:</b>{links}</div>')
    st.html(f'<div class="pp-facets" role="navigation" aria-label="{esc(t("facet_summary", lang_))}" '
            f'title="{esc(t("facet_summary", lang_))}">'
            + "".join(blocks) + "</div>")


def measures_table(ds: data.Dataset, measures: pd.DataFrame, lang_: str, compact: bool = False) -> None:
    """The sortable table; `compact` (presenter mode) keeps the columns a room can read."""
    table = explorer.explorer_table(ds, measures, lang_)
    col = st.column_config
    order = (["measure_id", "title", "lead_units", "partners", "source"] if compact else
             ["measure_id", "source", "theme", "topic", "title", "lead_units", "places", "partners", "features",
              "text_zh"])
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=620 if compact else "auto",
        column_order=order,
        column_config={
            "measure_id": col.TextColumn(t("col_measure_id", lang_), width="small"),
            "source": col.LinkColumn(t("col_source", lang_), display_text=r"clause=(\d+\.\d+)", width="small",
                                     help=t("col_source_help", lang_)),
            "theme": col.TextColumn(t("col_theme", lang_)),
            "topic": col.TextColumn(t("col_topic", lang_)),
            "title": col.TextColumn(t("col_title", lang_), width="large"),
            "lead_units": col.TextColumn(t("col_lead_units", lang_), width="medium"),
            "places": col.TextColumn(t("col_places", lang_)),
            "partners": col.TextColumn(t("col_partners", lang_)),
            "features": col.TextColumn(t("col_features", lang_), width="medium"),
            "text_zh": col.TextColumn(t("col_text", lang_), width="large"),
        },
        key="pp_measures_table",
    )


def small_map(ds: data.Dataset, measures: pd.DataFrame, lang_: str, height: int = SMALL_MAP_HEIGHT) -> None:
    """The filtered rows' Fujian places (shaded by count) and features, on the offline basemap."""
    view = maps.MapView(page="overview", lang=lang_, choropleth=True, height=height)
    fmap = maps.build_map(ds, measures, view)
    st_folium(fmap, height=height, use_container_width=True, returned_objects=[], key="map_measures")
    st.caption(t("small_map_caption", lang_))


@functools.lru_cache(maxsize=4)
def _data_version(stamp: tuple) -> str:
    return explorer.data_version()


def data_version() -> str:
    """The short hash of the data files, recomputed only when a file changes on disk."""
    paths = [data.ROOT / "measures.csv", *sorted((data.ROOT / "geodata").glob("*.geojson"))]
    return _data_version(tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p.exists()))


def download_buttons(ds: data.Dataset, measures: pd.DataFrame, current_filters: filters.Filters, lang: str,
                     layer: str | None = None, clause: str | None = None) -> None:
    """CSV, Excel, GeoJSON and a PNG map image of exactly the rows shown, named after the filters.

    The files are made only when their button is clicked (deferred data) and a click does not rerun
    the page. `layer` limits the GeoJSON and the PNG to one map layer (None: every layer, as on the
    overview); `clause` names the clause the rows were narrowed to (explorer's ?clause=).
    """
    now = datetime.now()
    version = data_version()
    description = explorer.describe_filters(current_filters, lang)
    if clause:
        description = " · ".join(p for p in (explorer.clause_label(*map(int, clause.split("."))), description) if p)
    title = description or t("png_title_all", lang)
    subtitle = t("png_subtitle", lang).format(n=len(measures), version=version, date=now.strftime("%Y-%m-%d"))

    def name(extension: str) -> str:
        base = export.file_name(current_filters, extension, now)
        return base.replace("measures_", f"measures_clause-{clause.replace('.', '-')}_", 1) if clause else base

    st.html(f'<p class="pp-downloads"><b>{esc(t("downloads", lang))}</b></p>')
    files = [
        ("csv", "text/csv", lambda: export.to_csv(measures)),
        ("xlsx", XLSX_MIME, lambda: export.to_xlsx(measures, current_filters, version, now)),
        ("geojson", "application/geo+json", lambda: export.to_geojson(ds, measures, layer)),
        ("png", "image/png", lambda: static_map.render(ds, measures, layer, lang, title, subtitle).png),
    ]
    for extension, mime, make in files:
        st.download_button(t(f"download_{extension}", lang), data=make, file_name=name(extension), mime=mime,
                           key=f"pp_download_{extension}", on_click="ignore", icon=":material/download:",
                           width="stretch")
    st.caption(t("formula_caption", lang))
    if static_map.cjk_font() is None:
        st.caption(t("png_no_font", lang))


def measures_page() -> None:
    lang_, ds, current, presenting = _start("measures")
    measures = filters.apply(ds.measures, current)
    clause = _clause_param(ds, lang_)
    if clause:
        measures = explorer.rows_of_clause(measures, clause)
        clear = explorer.page_href("measures", {**filters.to_query(current), **explorer.carried(_params())})
        st.html(f'<p class="pp-clause-note" role="status">'
                f'{esc(t("clause_filter_note", lang_).format(clause=clause))} '
                f'<a href="{esc(explorer.page_href("policy", {"clause": clause, **explorer.carried(_params())}))}">'
                f'{esc(explorer.clause_label(*map(int, clause.split("."))))}</a> · '
                f'<a href="{esc(clear)}">{esc(t("clause_filter_clear", lang_))}</a></p>')
    if not presenting:
        st.caption(t("measures_caption", lang_))
        facet_summary(explorer.rows_of_clause(ds.measures, clause) if clause else ds.measures, current, lang_)
    st.html(f'<p class="pp-rowcount" role="status" data-rows="{len(measures)}">'
            f'{esc(t("rows_shown", lang_).format(n=len(measures), total=len(ds.measures)))}</p>')
    if measures.empty:
        st.html(f'<p class="pp-empty" role="status"><b>{esc(t("empty_result", lang_))}</b></p>')
    if presenting:  # the map first and large, beside the table's readable columns
        map_col, table_col = st.columns([1.15, 1])
        with map_col:
            if not measures.empty:
                small_map(ds, measures, lang_, 620)
        with table_col:
            measures_table(ds, measures, lang_, compact=True)
        with st.expander(t("downloads", lang_)):
            download_buttons(ds, measures, current, lang_, clause=clause)
        return
    measures_table(ds, measures, lang_)
    map_col, download_col = st.columns([3, 1])
    with map_col:
        if not measures.empty:
            small_map(ds, measures, lang_)
    with download_col:
        download_buttons(ds, measures, current, lang_, clause=clause)


# ---------------------------------------------------------------- lead units


def _shade(count: int, top: int) -> str:
    if count <= 0 or top <= 0:
        return ""
    alpha = 0.12 + 0.78 * (count / top)
    colour = "#fff" if alpha > 0.55 else "#212121"
    return f' style="background:rgba(178,34,34,{alpha:.2f});color:{colour}"'


def units_page() -> None:
    lang_, ds, current, presenting = _start("units")
    measures = filters.apply(ds.measures, current)
    st.caption(t("units_caption", lang_))
    if measures.empty:
        st.html(f'<p class="pp-empty" role="status"><b>{esc(t("units_empty", lang_))}</b></p>')
        return
    params = _params()
    matrix = explorer.unit_matrix(measures, params)
    st.html(f'<p class="pp-rowcount" role="status" data-units="{len(matrix.rows)}">'
            f'{esc(t("units_count", lang_).format(n=len(matrix.rows), actions=len(measures)))}</p>')
    head = "".join(f'<th scope="col" data-theme="{esc(th)}">{esc(vocab.THEMES[th].label(lang_))}</th>'
                   for th in matrix.themes)
    rows = []
    for row in matrix.rows:
        cells = "".join(
            f'<td{_shade(n, matrix.max_count)} data-theme="{esc(th)}">'
            + (f'<a href="{esc(matrix.cell_href(row, th, params))}">{n}</a>' if n else "") + "</td>"
            for th, n in zip(matrix.themes, row.counts))
        rows.append(f'<tr data-unit="{esc(row.unit)}"><th scope="row"><a class="pp-unit" href="{esc(row.href)}">'
                    f'{esc(row.unit)}</a></th>{cells}<td class="pp-total">{row.total}</td></tr>')
    st.html(f'<div style="overflow-x:auto"><table class="pp-matrix"><thead><tr>'
            f'<th scope="col">{esc(t("units_col_unit", lang_))}</th>{head}'
            f'<th scope="col" class="pp-total">{esc(t("units_col_total", lang_))}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


# ---------------------------------------------------------------- policy text


@functools.lru_cache(maxsize=2)
def _policy(source_text: str) -> explorer.PolicyText:
    return explorer.parse_policy(source_text)


def _chips(chips: list[explorer.Chip], label: str, dim: set[str] | None = None) -> str:
    if not chips:
        return ""
    body = "".join(
        f'<a class="pp-chip pp-chip-{esc(c.kind)}{" pp-dim" if dim is not None and c.key in dim else ""}" '
        f'data-key="{esc(c.key)}" href="{esc(c.href)}">{esc(c.label)}</a>' for c in chips)
    return f'<div class="pp-chips"><span class="pp-chips-label">{esc(label)}</span>{body}</div>'


def _clause_html(ds: data.Dataset, clause: explorer.Clause, selected: bool, lang_: str,
                 matching: set[str] | None) -> str:
    keep = explorer.carried(_params())
    rows = explorer.rows_of_clause(ds.measures, clause.ref)
    chips = explorer.clause_chips(ds, rows, lang_)
    dim = None if matching is None else set(rows.index) - matching
    link = explorer.page_href("policy", {"clause": clause.ref, **keep})
    paragraphs = []
    for i, para in enumerate(clause.paragraphs):
        if para.kind == "units":
            paragraphs.append(f'<p class="pp-units">{esc(para.text)}</p>')
        elif i == 0:  # the verbatim text, its title sentence in bold, after the clause's number as a link
            head, stop, rest = para.text.partition("。")
            ref = (f'<a class="pp-ref" href="{esc(link)}" title="{esc(t("policy_clause_link", lang_))}">'
                   f"{esc(vocab.SECTION_NUMERALS[clause.section])}</a>")
            paragraphs.append(f'<p class="pp-first">{ref}<b>{esc(head)}{stop}</b>{esc(rest)}</p>')
        else:
            paragraphs.append(f"<p>{esc(para.text)}</p>")
    if len(rows):
        explorer_link = explorer.page_href("measures", {"clause": clause.ref, **keep})
        open_link = (f'<a class="pp-open" href="{esc(explorer_link)}">'
                     f'{esc(t("policy_open_explorer", lang_).format(n=len(rows)))}</a>')
    else:
        open_link = f'<span class="pp-open">{esc(t("policy_no_actions", lang_))}</span>'
    return (
        f'<article id="{esc(clause.anchor)}" class="pp-clause{" pp-clause-selected" if selected else ""}" '
        f'data-clause="{esc(clause.ref)}" aria-label="{esc(clause.label)} {esc(clause.heading)}">'
        f"{''.join(paragraphs)}"
        + _chips(chips["action"], t("policy_actions", lang_), dim)
        + _chips(chips["place"], t("policy_places", lang_))
        + _chips(chips["partner"], t("policy_partners", lang_))
        + _chips(chips["feature"], t("policy_features", lang_))
        + f'<div class="pp-chips">{open_link}</div></article>'
    )


def scroll_to(anchor: str) -> None:
    """Scroll the page to the element with this id (st.html runs no scripts; st.iframe's srcdoc iframe
    is same-origin and can reach the page). Retries while the element is still being rendered."""
    st.iframe(
        "<script>(function(){var n=0;var id=" + _js_string(anchor) + ";"
        "var timer=setInterval(function(){var el=window.parent.document.getElementById(id);n++;"
        "if(el){clearInterval(timer);el.scrollIntoView({block:'start',behavior:'instant'});}"
        "else if(n>100){clearInterval(timer);}},100);})();</script>",
        height=1, alt="pp-scroll",
    )


def _js_string(value: str) -> str:
    import json

    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def policy_page() -> None:
    lang_, ds, current, presenting = _start("policy")
    selected = _clause_param(ds, lang_)
    policy = _policy(ds.source_text)
    st.caption(t("policy_caption", lang_))
    matching = set(filters.apply(ds.measures, current).index) if current.active else None
    if matching is not None:
        st.html(f'<p class="pp-filter-note" role="status">{esc(t("policy_filter_note", lang_))}</p>')
    keep = explorer.carried(_params())
    toc = "".join(
        f'<div><b>{esc(s.numeral)}、{esc(s.title)}</b> '
        + " ".join(f'<a href="{esc(explorer.page_href("policy", {"clause": c.ref, **keep}))}">'
                   f"（{esc(vocab.SECTION_NUMERALS[c.number])}）</a>" for c in s.clauses)
        + "</div>"
        for s in policy.sections if s.clauses)
    with st.expander(t("policy_toc", lang_), expanded=False):
        st.html(f'<nav class="pp-toc">{toc}</nav>')
    parts = ['<div class="pp-policy">']
    parts += [f"<p>{esc(p)}</p>" for p in policy.preamble]
    for section in policy.sections:
        parts.append(f'<section id="section-{section.number}" data-section="{section.number}">'
                     f"<h3>{esc(section.numeral)}、{esc(section.title)}</h3>")
        parts += [f"<p>{esc(p)}</p>" for p in section.paragraphs]
        parts += [_clause_html(ds, c, c.ref == selected, lang_, matching) for c in section.clauses]
        parts.append("</section>")
    parts += [f'<p class="pp-closing">{esc(p)}</p>' for p in policy.closing]
    parts.append("</div>")
    st.html("".join(parts))
    if selected:
        scroll_to(explorer.clause_anchor(selected))


# ---------------------------------------------------------------- presenter mode


def _on_present_change() -> None:  # same page: st.query_params updates the address bar
    if st.session_state.get("w_present"):
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def _views(lang_: str) -> list[explorer.SavedView]:
    try:
        return explorer.load_views()
    except explorer.ViewsError as exc:
        st.html(f'<div class="pp-url-notes" role="status">{esc(t("views_error", lang_))} {esc(exc)}</div>')
        return []


def presenter_controls(page_key: str, lang: str) -> bool:
    """The presenter switch in the sidebar and, with present=1 in the URL, the presenter bar: the
    sidebar hidden, larger type, Previous / Next through the agenda (views.toml) when the page and
    filters are one of its views, else through the themes (present=1&theme=<theme>). Every step is a
    plain page link to a URL that can be bookmarked; ← → and PageUp/PageDown follow them.
    Call it after ui.sidebar and before the page title; returns whether presenter mode is on."""
    presenting = st.query_params.get("present") == "1"
    with st.sidebar:
        st.session_state["w_present"] = presenting
        st.toggle(t("presenter_mode", lang), key="w_present", on_change=_on_present_change,
                  help=t("presenter_hint", lang))
    if not presenting:
        return False
    st.html(PRESENTER_CSS)
    params = _params()
    views = _views(lang)
    position = explorer.view_position(views, page_key, params)
    if position is not None:
        steps, kind = explorer.view_steps(views, lang), t("presenter_agenda", lang)
    else:
        steps, kind = explorer.theme_steps(page_key, params), t("presenter_themes", lang)
        position = explorer.theme_position(params)
    page_name = t(f"page_{page_key}", lang)
    if position is None:
        title, where = page_name, f"{kind} · {len(steps)}"
        previous, following = None, steps[0]
    else:
        title = steps[position].title(lang)
        where = t("presenter_step", lang).format(kind=kind, i=position + 1, n=len(steps)) + f" · {page_name}"
        previous = steps[position - 1] if position > 0 else None
        following = steps[position + 1] if position + 1 < len(steps) else None
    prev_col, title_col, next_col, menu_col = st.columns([1.1, 5, 1.1, 1.1], vertical_alignment="center")
    with prev_col:
        st.html(_step_link(previous, t("presenter_prev", lang), "prev"))
    with title_col:
        st.html(f'<div class="pp-presenter" data-kind="{"agenda" if kind == t("presenter_agenda", lang) else "theme"}">'
                f'<h2 class="pp-step-title">{esc(title)}</h2><p class="pp-step-pos">{esc(where)}</p></div>')
    with next_col:
        label = t("presenter_next", lang) if position is not None else t("presenter_start", lang) + " ▶"
        st.html(_step_link(following, label, "next"))
    with menu_col:
        if views:
            with st.popover(t("presenter_agenda", lang), width="stretch"):
                st.html('<ol class="pp-agenda">' + "".join(
                    f'<li><a href="{esc(step.href)}">{esc(step.title(lang))}</a></li>'
                    for step in explorer.view_steps(views, lang)) + "</ol>")
        exit_params = {k: v for k, v in params.items() if k != "present"}
        st.html(f'<a class="pp-exit" href="{esc(explorer.page_href(page_key, exit_params))}">'
                f'{esc(t("presenter_exit", lang))}</a>')
    st.iframe(PRESENTER_KEYS_JS, height=1, alt="pp-presenter-keys")
    return True


def _step_link(step: explorer.Step | None, label: str, which: str) -> str:
    """A presenter step as a plain link (a full page load: Streamlit 1.67's page links with query
    parameters leave the old address in the browser's address bar); a greyed label at either end."""
    if step is None:
        return f'<span class="pp-step pp-{which} pp-step-off" aria-disabled="true">{esc(label)}</span>'
    return f'<a class="pp-step pp-{which}" href="{esc(step.href)}" data-step="{esc(step.href)}">{esc(label)}</a>'
