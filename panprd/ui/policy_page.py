"""The policy text by section and clause, each clause with its actions, places, partners and features
as chips; `?clause=4.1` scrolls to and highlights a clause."""

from __future__ import annotations

import streamlit as st

from panprd import explorer, filters, policy, vocab
from panprd.i18n import t
from panprd.ui.frame import PageContext
from panprd.ui.html import esc, scroll_to, status_chip


def _chips(chips: list[explorer.Chip], label: str, dim: set[str] | None = None, statuses: dict[str, str] | None = None
           ) -> str:
    """A row of chips; `statuses` (measure id → its status chip's HTML) follows each action chip."""
    if not chips:
        return ""
    body = "".join(
        f'<a class="pp-chip pp-chip-{esc(c.kind)}{" pp-dim" if dim is not None and c.key in dim else ""}" '
        f'data-key="{esc(c.key)}" href="{esc(c.href)}">{esc(c.label)}</a>{(statuses or {}).get(c.key, "")}'
        for c in chips)
    return f'<div class="pp-chips"><span class="pp-chips-label">{esc(label)}</span>{body}</div>'


def _clause_html(ctx: PageContext, clause: policy.Clause, matching: set[str] | None) -> str:
    view, lang = ctx.view, ctx.lang
    rows = explorer.rows_of_clause(ctx.ds.measures, clause.ref)
    chips = explorer.clause_chips(ctx.ds, rows, view)
    dim = None if matching is None else set(rows.index) - matching
    statuses = {str(mid): status_chip(row.get("status", ""), row.get("light", "grey"), row.get("as_of", ""), lang)
                for mid, row in rows.iterrows()}
    link = view.href(clause=clause.ref)
    paragraphs = []
    for i, para in enumerate(clause.paragraphs):
        if para.kind == "units":
            paragraphs.append(f'<p class="pp-units">{esc(para.text)}</p>')
        elif i == 0:  # the verbatim text, its title sentence in bold, after the clause's number as a link
            head, stop, rest = para.text.partition("。")
            ref = (f'<a class="pp-ref" href="{esc(link)}" title="{esc(t("policy_clause_link", lang))}">'
                   f"{esc(vocab.SECTION_NUMERALS[clause.section])}</a>")
            paragraphs.append(f'<p class="pp-first">{ref}<b>{esc(head)}{stop}</b>{esc(rest)}</p>')
        else:
            paragraphs.append(f"<p>{esc(para.text)}</p>")
    if len(rows):
        explorer_link = view.href("measures", filters=filters.Filters(), clause=clause.ref)
        open_link = (f'<a class="pp-open" href="{esc(explorer_link)}">'
                     f'{esc(t("policy_open_explorer", lang).format(n=len(rows)))}</a>')
    else:
        open_link = f'<span class="pp-open">{esc(t("policy_no_actions", lang))}</span>'
    selected = clause.ref == view.clause
    english = (f'<p class="pp-title-en" lang="en">{esc(clause.label)} {esc(ctx.ds.headings_en[clause.ref])}</p>'
               if lang == "en" else "")
    return (
        f'<article id="{esc(clause.anchor)}" class="pp-clause{" pp-clause-selected" if selected else ""}" '
        f'data-clause="{esc(clause.ref)}" aria-label="{esc(clause.label)} {esc(clause.heading)}">'
        f"{english}{''.join(paragraphs)}"
        + _chips(chips["action"], t("policy_actions", lang), dim, statuses)
        + _chips(chips["place"], t("policy_places", lang))
        + _chips(chips["partner"], t("policy_partners", lang))
        + _chips(chips["feature"], t("policy_features", lang))
        + f'<div class="pp-chips">{open_link}</div></article>'
    )


def render(ctx: PageContext) -> None:
    view, lang = ctx.view, ctx.lang
    text = ctx.ds.policy
    st.caption(t("policy_caption", lang))
    if lang == "en":
        st.html(f'<p class="pp-chinese-only" role="note" lang="en">{esc(t("policy_chinese_only", lang))}</p>')
    english = ctx.ds.headings_en if lang == "en" else {}
    matching = set(ctx.measures.index) if view.filters.active else None
    if matching is not None:
        st.html(f'<p class="pp-filter-note" role="status">{esc(t("policy_filter_note", lang))}</p>')
    toc = "".join(
        f'<div><b>{esc(s.numeral)}、{esc(english.get(str(s.number), s.title))}</b> '
        + " ".join(f'<a href="{esc(view.href(clause=c.ref))}">（{esc(vocab.SECTION_NUMERALS[c.number])}）</a>'
                   for c in s.clauses)
        + "</div>"
        for s in text.sections if s.clauses)
    with st.expander(t("policy_toc", lang), expanded=False):
        st.html(f'<nav class="pp-toc">{toc}</nav>')
    parts = ['<div class="pp-policy">', *(f"<p>{esc(p)}</p>" for p in text.preamble)]
    for section in text.sections:
        parts.append(f'<section id="section-{section.number}" data-section="{section.number}">'
                     f"<h3>{esc(section.numeral)}、{esc(section.title)}"
                     + (f' <span class="pp-title-en" lang="en">{esc(english[str(section.number)])}</span>'
                        if english else "") + "</h3>")
        parts += [f"<p>{esc(p)}</p>" for p in section.paragraphs]
        parts += [_clause_html(ctx, c, matching) for c in section.clauses]
        parts.append("</section>")
    parts += [f'<p class="pp-closing">{esc(p)}</p>' for p in text.closing]
    parts.append("</div>")
    st.html("".join(parts))
    if view.clause:
        scroll_to(policy.clause_anchor(view.clause))
