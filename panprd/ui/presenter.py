"""Presenter mode: the sidebar switch and, with present=1 in the URL, the presenter bar.

The bar hides the sidebar, enlarges type and steps Previous / Next through the agenda (views.toml)
when the page and filters are one of its views, else through the themes (present=1&theme=<theme>).
Every step is a plain page link to a URL that can be bookmarked; ← → and PageUp/PageDown follow them.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from panprd import filters, pages, views
from panprd.i18n import t
from panprd.ui.html import esc

PRESENTER_CSS = """<style>
[data-testid="stElementContainer"]:has(> iframe[title^="pp-"]){display:none}
section[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],[data-testid="stExpandSidebarButton"],
header[data-testid="stHeader"]{display:none !important}
[data-testid="stMainBlockContainer"]{max-width:100% !important;padding:1rem 3rem 0 !important}
[data-testid="stMainBlockContainer"] :is(p,li,td,th,label,summary){font-size:1.45rem !important;line-height:1.5}
[data-testid="stCaptionContainer"],[data-testid="stCaptionContainer"] p{font-size:1.2rem !important}
html body [data-testid="stMetricValue"],html body [data-testid="stMetricValue"] :is(p,div){font-size:3.6rem !important;
  line-height:1.1 !important;font-weight:700}
html body [data-testid="stMetric"]{padding:0}
html body [data-testid="stMetricLabel"] p{font-size:1.4rem !important}
html body .pp-panel h4{font-size:2.2rem !important;margin:0 0 .4rem}
html body .pp-panel p,html body .pp-panel li{font-size:1.35rem !important}
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
.pp-slide-table{max-height:760px;overflow:auto}
.pp-slide-table table{border-collapse:collapse;width:100%}
.pp-slide-table th,.pp-slide-table td{border-bottom:1px solid #e0e0e0;padding:4px 8px;text-align:left;
  vertical-align:top;font-size:1.25rem !important;line-height:1.4}
.pp-slide-table th{position:sticky;top:0;background:#fafafa}
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



def _on_present_change() -> None:  # same page: st.query_params updates the address bar
    if st.session_state.get("w_present"):
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def switch(view: filters.ViewState) -> None:
    """The presenter switch (call inside the sidebar)."""
    st.session_state["w_present"] = view.present
    st.toggle(t("presenter_mode", view.lang), key="w_present", on_change=_on_present_change,
              help=t("presenter_hint", view.lang))


def _saved_views(lang: str) -> list[views.SavedView]:
    try:
        return views.load_views()
    except views.ViewsError as exc:
        st.html(f'<div class="pp-url-notes" role="status">{esc(t("views_error", lang))} '
                f'{esc(exc.said.text(lang))}</div>')
        return []


def _step_link(step: views.Step | None, label: str, which: str) -> str:
    """A presenter step as a plain link (a full page load: Streamlit 1.67's page links with query
    parameters leave the old address in the browser's address bar); a greyed label at either end."""
    if step is None:
        return f'<span class="pp-step pp-{which} pp-step-off" aria-disabled="true">{esc(label)}</span>'
    return f'<a class="pp-step pp-{which}" href="{esc(step.href)}" data-step="{esc(step.href)}">{esc(label)}</a>'


def bar(view: filters.ViewState, deck_menu: Callable[[], None] | None = None) -> None:
    """The presenter bar above the page (call only with present=1); `deck_menu` draws the meeting deck's
    controls (汇报材料) in its 议程 menu, under the agenda."""
    lang = view.lang
    st.html(PRESENTER_CSS)
    saved = _saved_views(lang)
    position = views.view_position(saved, view)
    agenda = position is not None
    if agenda:
        steps, kind = views.view_steps(saved, lang), t("presenter_agenda", lang)
    else:
        steps, kind = views.theme_steps(view), t("presenter_themes", lang)
        position = views.theme_position(view)
    page_name = pages.BY_KEY[view.page].title(lang)
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
        st.html(f'<div class="pp-presenter" data-kind="{"agenda" if agenda else "theme"}">'
                f'<h2 class="pp-step-title">{esc(title)}</h2><p class="pp-step-pos">{esc(where)}</p></div>')
    with next_col:
        label = t("presenter_next", lang) if position is not None else t("presenter_start", lang) + " ▶"
        st.html(_step_link(following, label, "next"))
    with menu_col:
        if saved or deck_menu is not None:  # the agenda, and the deck made of it (no second button: the bar fits)
            with st.popover(t("presenter_agenda", lang), width="stretch"):
                if saved:
                    st.html('<ol class="pp-agenda">' + "".join(
                        f'<li><a href="{esc(step.href)}">{esc(step.title(lang))}</a></li>'
                        for step in views.view_steps(saved, lang)) + "</ol>")
                if deck_menu is not None:
                    st.html(f'<p class="pp-deck-menu"><b>{esc(t("deck_menu", lang))}</b></p>')
                    deck_menu()
        st.html(f'<a class="pp-exit" href="{esc(view.href(present=False))}">{esc(t("presenter_exit", lang))}</a>')
    st.iframe(PRESENTER_KEYS_JS, height=1, alt="pp-presenter-keys")
