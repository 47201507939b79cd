"""What the /tracking page lists, as plain rows: my actions, the office's lists, histories, downloads.

No Streamlit here (panprd.ui.tracking_page draws these), so the rules of what a signed-in account
sees are tested without a browser. Text from the ledger is returned raw: the page escapes it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from panprd import filters
from panprd.export import neutralise
from panprd.i18n import t
from panprd.tracking import clock, status
from panprd.tracking.accounts import Account
from panprd.tracking.ledger import STATUSES
from panprd.tracking.status import ActionState, ReportView
from panprd.tracking.units import Action


def status_label(code: str | None, lang: str) -> str:
    if code is None:
        return t("track_no_status", lang)
    return STATUSES[code].label(lang) if code in STATUSES else code


def light_label(code: str, lang: str) -> str:
    return status.LIGHTS[code].label(lang) if code in status.LIGHTS else code


def titles(measures: pd.DataFrame, lang: str) -> dict[str, str]:
    """measure_id → title in the UI language."""
    return dict(zip(measures.index, measures["title_en" if lang == "en" else "title_zh"]))


@dataclass(frozen=True)
class ActionRow:
    """One line of "my actions": what the account is asked about one action, with the link that opens it."""

    measure_id: str
    title: str
    role: str  # lead | support | office
    status: str  # label
    light: str  # code, for the colour
    light_label: str
    as_of: str
    last_report: str
    due: str
    href: str


def last_reports(reports: list[ReportView]) -> dict[str, ReportView]:
    """measure_id → the newest report submitted on it (any unit, returned or not)."""
    out: dict[str, ReportView] = {}
    for report in reports:
        if report.measure_id not in out or report.id > out[report.measure_id].id:
            out[report.measure_id] = report
    return out


def my_action_rows(actions: Mapping[str, Action], states: Mapping[str, ActionState], account: Account,
                   reports: list[ReportView], view: filters.ViewState, measures: pd.DataFrame,
                   include_office: bool = True) -> list[ActionRow]:
    """The actions the account may report on (leads first), each with status, light, last report and due date.

    For the office every action is its own ("office" role); `include_office=False` leaves those out
    (the office's own units' actions only).
    """
    lang = view.lang
    names = titles(measures, lang)
    last = last_reports(reports)
    order = {"lead": 0, "support": 1, "office": 2}
    mine = [(mid, role) for mid, role in status.my_actions(actions, states, account)
            if include_office or role != "office"]
    rows = []
    for mid, role in sorted(mine, key=lambda pair: order[pair[1]]):
        state = states[mid]
        newest = last.get(mid)
        label = status_label(state.status, lang) + (t("track_pending", lang) if state.pending_completion else "")
        rows.append(ActionRow(
            mid, names.get(mid, ""), t(f"track_role_{role}", lang), label, state.light,
            light_label(state.light, lang), state.as_of or "",
            f"{newest.as_of} {status_label(newest.status, lang)} · {newest.unit}" if newest else "",
            state.due or "", view.href("tracking", measure=mid)))
    return rows


def local_time(stamp: str) -> str:
    """A stored UTC timestamp as Beijing time to the minute: 2026-11-28 19:20."""
    return clock.parse_stamp(stamp).astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def newest_first(reports: list[ReportView]) -> list[ReportView]:
    """An action's history as the page shows it: the newest submission first."""
    return sorted(reports, key=lambda r: r.id, reverse=True)


def reporting_units(action: Action, account: Account) -> list[str]:
    """The units an account may file a report on this action under (its own units listed on it)."""
    return [u for u in action.units if u in account.units]


def overdue_rows(states: Mapping[str, ActionState], measures: pd.DataFrame, lang: str) -> pd.DataFrame:
    names = titles(measures, lang)
    rows = [[s.measure_id, names.get(s.measure_id, ""), s.lead or "", s.due or "", s.days_overdue or 0,
             status_label(s.status, lang)] for s in status.overdue(states)]
    columns = ["track_col_measure", "track_col_title", "track_col_unit", "track_col_due", "track_col_days",
               "track_col_status"]
    return pd.DataFrame(rows, columns=[t(c, lang) for c in columns])


def late_rows(late: list[status.LateUnit], lang: str) -> pd.DataFrame:
    separator = "、" if lang == "zh" else ", "
    rows = [[lu.unit, len(lu.missing), lu.led, separator.join(lu.missing)] for lu in late]
    return pd.DataFrame(rows, columns=[t("track_col_unit", lang), "N", t("track_role_lead", lang),
                                       t("track_col_missing", lang)])


def history_csv(reports: list[ReportView]) -> bytes:
    """The office's full-history download: UTF-8 with BOM, CRLF, formula-like cells neutralised."""
    frame = status.history_frame(reports)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow([neutralise(str(v)) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
