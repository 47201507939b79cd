"""HTML helpers of the pages: escaping, notes and banners, the page styles, scrolling to an anchor, the
document's language.

Data text reaches the page only HTML-escaped, through st.html, never through Markdown (a Markdown
image in a cell would make the browser fetch from outside).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

import streamlit as st

from panprd import filters, ledger_view
from panprd.i18n import t
from panprd.tracking.status import LIGHTS

PAGE_CSS = """<style>
[data-testid="stElementContainer"]:has(> iframe[title^="pp-"]),
[data-testid="stElementContainer"]:has(.pp-lang){display:none}
[data-testid="stCaptionContainer"]{opacity:1;color:#595959}
a:focus-visible,button:focus-visible,summary:focus-visible,[tabindex]:focus-visible,
label:has(input:focus-visible),[data-baseweb="select"]:focus-within>div,[data-baseweb="input"]:focus-within{
  outline:3px solid #1565c0 !important;outline-offset:2px}
.pp-filters-title{font-size:1rem;font-weight:700;line-height:1.6;margin:0;padding:0;color:#212121}
[data-testid="stMainBlockContainer"]{padding-top:2.5rem}
[data-testid="stMainBlockContainer"] h1{font-size:2.1rem;padding:1rem 0 .35rem}
[data-testid="stMetricValue"]{font-size:1.9rem}
.st-key-pp_filters{gap:.4rem;padding:.5rem 1rem .6rem}
.st-key-pp_filters [data-testid="stWidgetLabel"]{min-height:1.2rem;margin-bottom:0}
.st-key-pp_nav{border-bottom:2px solid #b22222;padding-bottom:2px;flex-wrap:wrap}
.pp-sr-only{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.pp-map-list{font-size:.92rem;line-height:1.7;columns:2 16em}
.pp-map-list h5{margin:.2em 0;column-span:all}
.pp-map-list ul{margin:0 0 .4em;padding-left:1.1em}
.pp-map-list a{color:#0d47a1}
.pp-map-list .pp-n{color:#595959}
.pp-facets{display:flex;flex-direction:column;gap:2px;font-size:0.9rem;line-height:1.7;margin:2px 0 6px;
  max-width:100%}
.pp-facet{display:flex;flex-wrap:wrap;align-items:baseline;column-gap:10px;min-width:0}
.pp-facet b{margin-right:4px;color:#424242}
.pp-facet a{text-decoration:none;color:#0d47a1;white-space:nowrap}
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
.pp-matrix td.pp-progress{white-space:nowrap;background:#f1f8e9}
.pp-matrix td.pp-red-on{background:#c62828;color:#fff;font-weight:700}
.pp-status{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;line-height:1.6;margin-left:4px;
  border:1px solid #bdbdbd;background:#fafafa;color:#212121;white-space:nowrap}
.pp-status .pp-dot{margin-right:4px;text-shadow:0 0 1px #212121}
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
mark{background:#ffe082;padding:0 1px;border-radius:2px}
.pp-matches{font-size:.92rem;line-height:1.6;max-height:420px;overflow:auto}
.pp-chinese-only{background:#e3f2fd;border-left:4px solid #1565c0;padding:6px 12px;border-radius:4px;max-width:980px}
.pp-clause p.pp-title-en{text-indent:0;font-weight:700;color:#1565c0;margin:0 0 2px}
.pp-policy h3 .pp-title-en{font-size:.8em;color:#1565c0;font-weight:600;margin-left:8px}
</style>"""


# Larger type (size=large): Streamlit sizes its text in rem, so a larger root size scales the whole page; the
# legend, set in pixels for the map beside it, and the map list follow.
LARGE_CSS = """<style>
html{font-size:125%}
.pp-legend{font-size:17px !important}
.pp-map-list,.pp-facets,.pp-matrix{font-size:1rem}
</style>"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def status_chip(status: str, light: str, as_of: str, lang: str) -> str:
    """An action's status chip: the light's symbol in its colour, the status label (未填报 when none) and its
    as-of date, escaped (a status or date is never markup, but the chip does not rely on that)."""
    code = status or ledger_view.NO_REPORT
    label = filters.STATUS_TERMS[code].label(lang) if code in filters.STATUS_TERMS else code
    light = light if light in LIGHTS else "grey"
    when = f" · {t('status_as_of', lang).format(date=as_of)}" if as_of else ""
    return (f'<span class="pp-status" data-status="{esc(code)}" data-light="{esc(light)}" '
            f'title="{esc(LIGHTS[light].label(lang))}"><span class="pp-dot" aria-hidden="true" '
            f'style="color:{ledger_view.LIGHT_COLOURS[light]}">{ledger_view.LIGHT_SYMBOLS[light]}</span>'
            f'{esc(label)}{esc(when)}</span>')


def items(values: Iterable[object]) -> str:
    """An escaped HTML list."""
    return "<ul>" + "".join(f"<li>{esc(v)}</li>" for v in values) + "</ul>"


def alert(css_class: str, heading: str, body: str = "", colour: str = "#e65100", background: str = "#fff3e0") -> None:
    """A banner: an escaped heading over `body`, which must already be escaped HTML."""
    st.html(f'<div class="{css_class}" role="alert" style="background:{background};border-left:4px solid {colour};'
            f'padding:8px 12px"><b>{esc(heading)}</b>{body}</div>')


def status(css_class: str, text: str, bold: bool = False) -> None:
    """A one-line status message (escaped)."""
    body = f"<b>{esc(text)}</b>" if bold else esc(text)
    st.html(f'<p class="{css_class}" role="status">{body}</p>')


def js_string(value: str) -> str:
    """A JavaScript string literal that cannot close the <script> element it sits in."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def scroll_to(anchor: str) -> None:
    """Scroll the page to the element with this id (st.html runs no scripts; st.iframe's srcdoc iframe
    is same-origin and can reach the page). Retries while the element is still being rendered."""
    st.iframe(
        "<script>(function(){var n=0;var id=" + js_string(anchor) + ";"
        "var timer=setInterval(function(){var el=window.parent.document.getElementById(id);n++;"
        "if(el){clearInterval(timer);el.scrollIntoView({block:'start',behavior:'instant'});}"
        "else if(n>100){clearInterval(timer);}},100);})();</script>",
        height=1, alt="pp-scroll",
    )


def document_lang(lang: str) -> None:
    """Set `<html lang>` to the page's language (zh-CN or en) for screen readers: Streamlit writes `lang="en"`
    into its own index.html and has no setting for it, so the frame runs one fixed line of script on every
    rerun (st.html's own way to run a script; no data enters it), which also follows a change of language."""
    st.html(f'<span class="pp-lang" hidden></span><script data-pp="lang">document.documentElement.lang='
            f'{js_string(t("html_lang", lang))};</script>', unsafe_allow_javascript=True)
