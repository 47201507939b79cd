"""/tracking: sign in and out, my actions, the report form, each action's history, and the office's desk
(review queue, due dates and lead units, overdue, 未按时报送, 督办单, the full history).

Every write goes through panprd.tracking (the same checks as the CLI and the import) from a widget
callback, so it runs once, before the page is drawn again with the new state. The plan version the
office saw is kept from the run that drew the form, so an edit made meanwhile by someone else is a
conflict, not an overwrite. Every ledger text is escaped: a note is shown as typed, never as markup.
"""

from __future__ import annotations

import html
from datetime import date

import streamlit as st
from sqlalchemy import Engine

from panprd import data, ledger_view, tracking_tables
from panprd.i18n import t
from panprd.messages import in_language
from panprd.tracking import clock, ledger, oidc, status, units
from panprd.tracking.accounts import Account
from panprd.tracking.store import TrackingError
from panprd.tracking.units import Action
from panprd.ui import oidc_signin, signin
from panprd.ui.frame import PageContext
from panprd.ui.html import alert, esc

MESSAGE_KEY = "pp_track_message"
QUEUE_SHOWN = 20


@st.cache_resource(show_spinner=False, max_entries=2)
def _actions(version: str, _ds: data.Dataset) -> dict[str, Action]:
    return units.actions_from_measures(_ds.measures)


def actions_of(ds: data.Dataset) -> dict[str, Action]:
    """Who may report on each action, once per version of the data."""
    return _actions(ds.version, ds)


# ---------------------------------------------------------------- messages from the callbacks


def _say(kind: str, text: str, details: list[str] | None = None) -> None:
    st.session_state[MESSAGE_KEY] = (kind, text, details or [])


def _show_message() -> None:
    said = st.session_state.pop(MESSAGE_KEY, None)
    if said is None:
        return
    kind, text, details = said
    body = "".join(f"<li>{esc(d)}</li>" for d in details)
    colour, background = ("#2e7d32", "#e8f5e9") if kind == "ok" else ("#c62828", "#ffebee")
    alert(f"pp-track-{kind}", text, f"<ul>{body}</ul>" if body else "", colour, background)


# ---------------------------------------------------------------- writes (widget callbacks)


def _submit_report(engine: Engine, actions: dict[str, Action], login: str, measure_id: str, lang: str) -> None:
    state = st.session_state
    on_behalf = state.get("tr_on_behalf") or None
    try:
        report_id = ledger.submit_report(
            engine, actions, login, measure_id, state["tr_status"], state["tr_as_of"], state.get("tr_note", ""),
            state.get("tr_evidence", ""), unit=state.get("tr_unit") or None, on_behalf_of=on_behalf)
    except ledger.ReportRefused as refused:
        _say("refused", t("track_refused", lang), [f"{_field_label(p.field, lang)}{t('colon', lang)}"
                                                   f"{p.said.text(lang)}" for p in refused.problems])
        return
    except TrackingError as failed:
        _say("refused", t("track_refused", lang), [failed.text(lang)])
        return
    _say("ok", t("track_saved", lang).format(id=report_id))
    for key in ("tr_note", "tr_evidence"):
        state[key] = ""


def _field_label(field: str, lang: str) -> str:
    keys = {"status": "track_status", "as_of": "track_as_of", "note": "track_note", "evidence": "track_evidence",
            "unit": "track_unit", "measure_id": "track_col_measure", "account": "signin_login"}
    return t(keys[field], lang).split("（")[0].split(" (")[0] if field in keys else field


def _review(engine: Engine, login: str, report_id: int, lang: str) -> None:
    state = st.session_state
    decision = state[f"rv_decision_{report_id}"]
    try:
        ledger.review_report(engine, login, report_id, decision, state.get(f"rv_reason_{report_id}", ""))
    except TrackingError as refused:
        _say("refused", refused.text(lang))
        return
    _say("ok", t("track_reviewed", lang).format(id=report_id))


def _change_plan(engine: Engine, actions: dict[str, Action], login: str, measure_id: str, what: str,
                 lang: str) -> None:
    state = st.session_state
    seen = state.get(f"pl_seen_{measure_id}", 0)  # the version shown when the form was drawn
    try:
        if what == "due":
            due = None if state.get("pl_clear") else state.get("pl_due")
            plan = ledger.set_due(engine, actions, login, measure_id, due, seen)
        else:
            plan = ledger.set_lead(engine, actions, login, measure_id, state.get("pl_lead"), seen)
    except TrackingError as refused:  # PlanConflict names who changed it and when
        _say("refused", refused.text(lang))
        return
    _say("ok", t("track_plan_saved", lang).format(version=plan.version))


# ---------------------------------------------------------------- drawing


def _light_dot(light: str, label: str) -> str:
    colour = ledger_view.LIGHT_COLOURS.get(light, ledger_view.LIGHT_COLOURS["grey"])
    symbol = ledger_view.LIGHT_SYMBOLS.get(light, ledger_view.LIGHT_SYMBOLS["grey"])  # never the colour alone
    return (f'<span class="pp-light pp-light-{esc(light)}" title="{esc(label)}" aria-hidden="true" '
            f'style="color:{colour};margin-right:4px;text-shadow:0 0 1px #212121">{symbol}</span>{esc(label)}')


def _action_table(rows: list[tracking_tables.ActionRow], lang: str) -> None:
    heads = ["track_col_measure", "track_col_title", "track_col_role", "track_col_status", "track_col_light",
             "track_col_as_of", "track_col_last", "track_col_due"]
    head = "".join(f'<th scope="col">{esc(t(h, lang))}</th>' for h in heads)
    body = "".join(
        f'<tr data-measure="{esc(r.measure_id)}"><td><a href="{esc(r.href)}" target="_self">{esc(r.measure_id)}</a>'
        f'</td><td>{esc(r.title)}</td><td>{esc(r.role)}</td><td>{esc(r.status)}</td>'
        f'<td>{_light_dot(r.light, r.light_label)}</td><td>{esc(r.as_of)}</td><td>{esc(r.last_report)}</td>'
        f'<td>{esc(r.due)}</td></tr>' for r in rows)
    st.html(f'<div class="pp-my-actions"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
            + TABLE_CSS)


def _report_html(report: status.ReportView, lang: str) -> str:
    """One history entry; every ledger text escaped, line breaks kept."""
    def text(value: str) -> str:
        return esc(value).replace("\n", "<br>")

    marks = [t(f"track_role_{report.role}", lang)] if report.role else []
    if report.on_behalf:
        marks.append(t("track_on_behalf_mark", lang))
    head = (f'<b>#{report.id}</b> · {esc(tracking_tables.status_label(report.status, lang))} · '
            f'{esc(t("track_col_as_of", lang))} {esc(report.as_of)} · '
            f'{esc(t("track_by", lang).format(unit=report.unit, login=report.login))}'
            f'{" · " + esc("、".join(marks)) if marks else ""} · '
            f'<span class="pp-stamp">{esc(tracking_tables.local_time(report.created_at))}</span>')
    parts = [f'<div class="pp-report-head">{head}</div>']
    if report.note:
        parts.append(f'<div class="pp-note">{text(report.note)}</div>')
    if report.evidence:
        parts.append(f'<div class="pp-evidence">{esc(_field_label("evidence", lang))}{esc(t("colon", lang))}'
                     f'{text(report.evidence)}</div>')
    if report.review is not None:
        key = "track_review_confirmed" if report.confirmed else "track_review_returned"
        reason = f"{esc(t('colon', lang))}{text(report.review.reason)}" if report.review.reason else ""
        when = tracking_tables.local_time(report.review.created_at)
        parts.append(f'<div class="pp-review pp-review-{esc(report.review.decision)}">{esc(t(key, lang))} '
                     f'({esc(report.review.login)}, {esc(when)}){reason}</div>')
    return f'<li class="pp-report" data-report="{report.id}">{"".join(parts)}</li>'


def _history(engine: Engine, actions: dict[str, Action], measure_id: str, account: Account | None,
             lang: str) -> None:
    st.markdown(f"#### {esc(t('track_history', lang))}")
    reports = tracking_tables.newest_first(
        status.history(engine, actions, measure_id, include_private=account is not None))
    if account is None:
        st.caption(t("track_private_hidden", lang))
    if not reports:
        st.caption(t("track_no_history", lang))
        return
    st.html(f'<ol class="pp-history" reversed>{"".join(_report_html(r, lang) for r in reports)}</ol>' + TABLE_CSS)


def _report_form(engine: Engine, actions: dict[str, Action], action: Action, account: Account, lang: str) -> None:
    st.markdown(f"#### {esc(t('track_report_form', lang))}")
    allowed = tracking_tables.reporting_units(action, account)
    if not allowed and not account.is_office:
        # The form is still offered: the ledger refuses it with the units that can report.
        st.warning(t("track_cannot_report", lang).format(units=in_language(ledger.who_can_report(action), lang)))
    st.html(f'<p class="pp-secrecy" role="note"><b>{esc(ledger.SECRECY_REMINDER)}</b></p>')
    with st.form("tr_form", clear_on_submit=False):
        st.selectbox(t("track_status", lang), list(ledger.STATUSES), key="tr_status",
                     format_func=lambda code: f"{ledger.STATUSES[code].zh}（{code}）" if lang == "zh"
                     else f"{ledger.STATUSES[code].en} ({ledger.STATUSES[code].zh})")
        today = clock.today()
        st.date_input(t("track_as_of", lang), value=today, min_value=clock.POLICY_DATE, max_value=today,
                      key="tr_as_of")
        st.text_area(t("track_note", lang), max_chars=ledger.NOTE_MAX, key="tr_note")
        st.text_input(t("track_evidence", lang), max_chars=ledger.EVIDENCE_MAX, key="tr_evidence")
        if len(allowed) > 1:
            st.selectbox(t("track_unit", lang), allowed, key="tr_unit")
        if account.is_office:
            st.selectbox(t("track_on_behalf", lang), ["", *action.units], key="tr_on_behalf",
                         format_func=lambda u: u or t("track_own_name", lang))
        st.form_submit_button(t("track_submit", lang), on_click=_submit_report,
                              args=(engine, actions, account.login, action.measure_id, lang))


def _plan_forms(engine: Engine, actions: dict[str, Action], action: Action, state: status.ActionState,
                account: Account, lang: str) -> None:
    st.markdown(f"#### {esc(t('track_plan', lang))}")
    st.session_state[f"pl_seen_{action.measure_id}"] = state.plan_version
    left, right = st.columns(2)
    with left, st.form("pl_due_form"):
        current = date.fromisoformat(state.due) if state.due else None
        st.date_input(t("track_due", lang), value=current, min_value=clock.POLICY_DATE, key="pl_due")
        st.checkbox(t("track_clear_due", lang), key="pl_clear")
        st.form_submit_button(t("track_set_due", lang), on_click=_change_plan,
                              args=(engine, actions, account.login, action.measure_id, "due", lang))
    with right, st.form("pl_lead_form"):
        options = list(action.units)
        st.selectbox(t("track_new_lead", lang), options, key="pl_lead",
                     index=options.index(state.lead) if state.lead in options else 0)
        st.form_submit_button(t("track_set_lead", lang), on_click=_change_plan,
                              args=(engine, actions, account.login, action.measure_id, "lead", lang))


def _one_action(ctx: PageContext, engine: Engine, actions: dict[str, Action],
                states: dict[str, status.ActionState], measure_id: str) -> None:
    lang = ctx.lang
    action, state = actions.get(measure_id), states.get(measure_id)
    if action is None or state is None:
        st.warning(t("track_unknown_measure", lang).format(mid=measure_id))
        return
    title = tracking_tables.titles(ctx.ds.measures, lang).get(measure_id, "")
    st.markdown(f"### {esc(t('track_action', lang).format(mid=measure_id))} · {esc(title)}")
    separator = "、" if lang == "zh" else ", "
    pending = t("track_pending", lang) if state.pending_completion else ""
    st.html(f'<p class="pp-action-state">{_light_dot(state.light, tracking_tables.light_label(state.light, lang))} · '
            f'{esc(t("track_col_status", lang))}: <b>{esc(tracking_tables.status_label(state.status, lang))}</b>'
            f'{esc(pending)} · {esc(t("track_col_as_of", lang))}: {esc(state.as_of or "—")} · '
            f'{esc(t("track_col_due", lang))}: {esc(state.due or "—")}</p>'
            f'<p class="pp-action-units">{esc(t("track_units", lang).format(units=separator.join(action.units)))}'
            f'<br>{esc(t("track_lead", lang).format(lead=state.lead or "—"))}</p>')
    account = ctx.account
    if account is not None:
        _report_form(engine, actions, action, account, lang)
        if account.is_office:
            _plan_forms(engine, actions, action, state, account, lang)
    _history(engine, actions, measure_id, account, lang)


def _review_queue(ctx: PageContext, engine: Engine, actions: dict[str, Action], account: Account) -> None:
    lang = ctx.lang
    queue = status.review_queue(engine, actions)
    names = tracking_tables.titles(ctx.ds.measures, lang)
    if not queue:
        st.caption(t("track_queue_empty", lang))
        return
    for report in queue[:QUEUE_SHOWN]:
        with st.container(border=True):
            link = ctx.view.href("tracking", measure=report.measure_id)
            title = names.get(report.measure_id, "")
            st.html(f'<p><a href="{esc(link)}" target="_self">{esc(report.measure_id)}</a> {esc(title)}</p>'
                    f'<ul class="pp-history">{_report_html(report, lang)}</ul>' + TABLE_CSS)
            with st.form(f"rv_form_{report.id}"):
                st.radio(t("track_decision", lang), ledger.DECISIONS, key=f"rv_decision_{report.id}", horizontal=True,
                         format_func=lambda d: t("track_confirm" if d == "confirmed" else "track_return", lang))
                st.text_input(t("track_reason", lang), max_chars=ledger.REASON_MAX, key=f"rv_reason_{report.id}")
                st.form_submit_button(t("track_review_submit", lang), on_click=_review,
                                      args=(engine, account.login, report.id, lang))
    if len(queue) > QUEUE_SHOWN:
        st.caption(t("track_queue_more", lang).format(n=len(queue) - QUEUE_SHOWN))


def _office_desk(ctx: PageContext, engine: Engine, actions: dict[str, Action],
                 states: dict[str, status.ActionState], account: Account) -> None:
    lang = ctx.lang
    queue, late, overdue, sheet, history = st.tabs(
        [t(k, lang) for k in ("track_queue", "track_late", "track_overdue", "track_sheet", "track_history_all")])
    with queue:
        _review_queue(ctx, engine, actions, account)
    with late:
        rows = status.late_units(engine, actions)
        if rows:
            st.dataframe(tracking_tables.late_rows(rows, lang), hide_index=True)
        else:
            st.caption(t("track_late_empty", lang))
    with overdue:
        table = tracking_tables.overdue_rows(states, ctx.ds.measures, lang)
        if table.empty:
            st.caption(t("track_overdue_empty", lang))
        else:
            st.dataframe(table, hide_index=True)
    with sheet:
        leads = sorted({s.lead for s in states.values() if s.lead})
        unit = st.selectbox(t("track_sheet_unit", lang), leads, key="sh_unit")
        if unit:
            text = status.render_sheet(status.supervision_sheet(engine, actions, unit),
                                       tracking_tables.titles(ctx.ds.measures, "zh"))
            st.html(f'<pre class="pp-sheet">{html.escape(text)}</pre>')
            st.download_button(t("track_sheet_download", lang), text.encode("utf-8"),
                               file_name=f"督办单_{unit}_{clock.today().isoformat()}.txt", mime="text/plain")
    with history:
        reports = status.full_history(engine, actions)
        st.download_button(t("track_history_download", lang), tracking_tables.history_csv(reports),
                           file_name=f"tracking_history_{clock.today().isoformat()}.csv", mime="text/csv")
        orphans = status.orphan_reports(engine, actions)
        if orphans:
            st.caption(t("track_orphans", lang).format(n=len(orphans)))


def render(ctx: PageContext) -> None:
    lang = ctx.lang
    engine = ctx.ledger.engine  # opened once by the frame; None when the store is unavailable
    if engine is None:
        problem = ctx.ledger.problem.text(lang) if ctx.ledger.problem else ""
        alert("pp-track-unavailable", t("track_store_problem", lang), f"<p>{esc(problem)}</p>")
        return
    account = ctx.account
    if account is None:
        signin.signin_form(ctx.view)
        oidc_signin.signin_link(ctx.view)
    elif oidc.is_platform_account(account):
        st.html(f'<p class="pp-who">{esc(signin.who(account, lang))}</p>')
        oidc_signin.signout_button(lang)
    else:
        signin.signout_form(account, ctx.view)
    _show_message()
    actions = actions_of(ctx.ds)
    try:
        states = status.action_states(engine, actions)
        if ctx.view.measure:
            _one_action(ctx, engine, actions, states, ctx.view.measure)
        if account is None:
            return
        if account.is_office:  # the office's work first; its "actions" are all of them
            _office_desk(ctx, engine, actions, states, account)
        st.markdown(f"### {esc(t('track_all_actions' if account.is_office else 'track_my_actions', lang))}")
        reports = status.full_history(engine, actions)
        rows = tracking_tables.my_action_rows(actions, states, account, reports, ctx.view, ctx.ds.measures)
        if rows:
            _action_table(rows, lang)
        else:
            st.caption(t("track_no_actions", lang))
    except TrackingError as failed:  # the database went away mid-page
        alert("pp-track-unavailable", t("track_store_problem", lang), f"<p>{esc(failed.text(lang))}</p>")


TABLE_CSS = """<style>
.pp-my-actions{max-height:560px;overflow:auto;max-width:1400px}
.pp-my-actions table{border-collapse:collapse;font-size:.9rem;width:100%}
.pp-my-actions th,.pp-my-actions td{border-bottom:1px solid #e0e0e0;padding:4px 8px;text-align:left;vertical-align:top}
.pp-my-actions th{position:sticky;top:0;background:#fafafa;white-space:nowrap}
.pp-history{list-style:none;padding-left:0;max-width:1100px}
.pp-report{border-left:3px solid #bdbdbd;padding:4px 10px;margin:6px 0}
.pp-note{white-space:pre-wrap;margin:4px 0}
.pp-evidence{color:#37474f}
.pp-review-confirmed{color:#2e7d32}
.pp-review-returned{color:#c62828}
.pp-stamp{color:#757575;font-size:.85em}
.pp-secrecy{background:#fff3e0;border-left:4px solid #e65100;padding:6px 12px;max-width:980px}
.pp-sheet{white-space:pre-wrap;background:#fafafa;border:1px solid #e0e0e0;padding:12px;max-width:980px}
</style>"""
