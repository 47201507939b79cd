"""The lead units × themes matrix: a unit opens the explorer filtered to it, a cell to it and the theme."""

from __future__ import annotations

import streamlit as st

from panprd import colour, explorer, vocab
from panprd.i18n import t
from panprd.ui.frame import PageContext
from panprd.ui.html import esc, status

SLIDE_ROWS = 12


SHADE = "#b22222"


def _shade(count: int, top: int) -> str:
    """A cell's shade by its count, with the text colour that reads on it (WCAG AA: 4.5:1)."""
    if count <= 0 or top <= 0:
        return ""
    background = colour.over_white(SHADE, 0.12 + 0.78 * (count / top))
    return f' style="background:{background};color:{colour.readable_text(background)}"'


def render(ctx: PageContext) -> None:
    lang, view = ctx.lang, ctx.view
    measures = ctx.measures
    st.caption(t("units_caption", lang))
    if measures.empty:
        status("pp-empty", t("units_empty", lang), bold=True)
        return
    matrix = explorer.unit_matrix(measures, view)
    shown = matrix.rows[:SLIDE_ROWS] if view.present else matrix.rows  # a slide shows the leading units
    st.html(f'<p class="pp-rowcount" role="status" data-units="{len(matrix.rows)}">'
            f'{esc(t("units_count", lang).format(n=len(matrix.rows), actions=len(measures)))}</p>')
    head = "".join(f'<th scope="col" data-theme="{esc(th)}">{esc(vocab.THEMES[th].label(lang))}</th>'
                   for th in matrix.themes)
    rows = []
    for row in shown:
        cells = "".join(
            f'<td{_shade(n, matrix.max_count)} data-theme="{esc(th)}">'
            + (f'<a href="{esc(matrix.cell_href(view, row, th))}">{n}</a>' if n else "") + "</td>"
            for th, n in zip(matrix.themes, row.counts))
        name = vocab.unit_label(row.unit, lang)
        done = row.progress
        red_link = view.href("measures", filters=view.filters.with_values(unit=(row.unit,), light=("red",)))
        red = (f'<td class="pp-red pp-red-on"><a href="{esc(red_link)}">{done.red}</a></td>' if done.red
               else '<td class="pp-red">0</td>')
        rows.append(f'<tr data-unit="{esc(row.unit)}"><th scope="row"><a class="pp-unit" href="{esc(row.href)}">'
                    f'{esc(name)}</a></th>{cells}<td class="pp-total">{row.total}</td>'
                    f'<td class="pp-progress" data-completed="{done.completed}" data-led="{done.led}">'
                    f'{f"{done.completed} / {done.led}" if done.led else "–"}</td>{red}</tr>')
    st.html(f'<div style="overflow-x:auto"><table class="pp-matrix"><thead><tr>'
            f'<th scope="col">{esc(t("units_col_unit", lang))}</th>{head}'
            f'<th scope="col" class="pp-total">{esc(t("units_col_total", lang))}</th>'
            f'<th scope="col" class="pp-progress">{esc(t("units_col_progress", lang))}</th>'
            f'<th scope="col" class="pp-red">{esc(t("units_col_red", lang))}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')
    if len(shown) < len(matrix.rows):
        st.html(f'<p class="pp-more-units">{esc(t("units_more", lang).format(n=len(matrix.rows) - len(shown)))}</p>')
