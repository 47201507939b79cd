"""Who is signed in, read from the HttpOnly session cookie on every run (panprd.websession sets it).

The frame calls `current_account(engine)` once per run and puts the answer in `PageContext.account`,
so every page knows its viewer without `st.session_state`, which a full page load loses. The
sign-in and sign-out forms are plain HTML forms posting to the server's endpoints: a Streamlit widget
talks over the websocket and could not set the cookie.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from panprd import filters, websession
from panprd.i18n import t
from panprd.tracking import accounts
from panprd.tracking.accounts import Account
from panprd.tracking.store import StoreUnavailable
from panprd.ui.html import esc

NOTICE_KEY = "pp_signin_notice"


def _cookie(name: str) -> str | None:
    try:
        return st.context.cookies.get(name)
    except (AttributeError, RuntimeError):  # no browser connection (bare script)
        return None


def session_token() -> str | None:
    """The session token of the browser's signed cookie; None when absent or its signature fails."""
    return websession.unsign(_cookie(websession.SESSION_COOKIE))


def current_account(engine: Engine | None) -> Account | None:
    """The signed-in account, or None for a viewer (no cookie, expired, revoked or deactivated, no database)."""
    token = session_token()
    if engine is None or token is None:
        return None
    try:
        return accounts.session_account(engine, token)
    except StoreUnavailable:
        return None


def notice() -> websession.Notice | None:
    """The message of a refused sign-in that brought the browser here, kept for this page's reruns."""
    notice_id = _cookie(websession.NOTICE_COOKIE)
    kept = st.session_state.get(NOTICE_KEY)
    if kept is not None and kept[0] == notice_id:
        return kept[1]
    taken = websession.take_notice(notice_id)
    if taken is not None:
        st.session_state[NOTICE_KEY] = (notice_id, taken)
    return taken


def path_of(view: filters.ViewState) -> str:
    """The absolute path of this view (the forms' `next`): ./tracking?measure=… → /tracking?measure=…"""
    return "/" + view.href().removeprefix("./")


def signin_form(view: filters.ViewState) -> None:
    """The sign-in form (posted to the server, which sets the cookie and comes back to this view)."""
    lang = view.lang
    shown = notice()
    message = f'<p class="pp-signin-refused" role="alert">{esc(shown.text(lang))}</p>' if shown else ""
    login = esc(shown.login) if shown else ""
    st.html(
        f'<form class="pp-signin" method="post" action="{websession.SIGNIN_PATH}">{message}'
        f'<label>{esc(t("signin_login", lang))}<input name="login" autocomplete="username" required '
        f'maxlength="64" value="{login}"></label>'
        f'<label>{esc(t("signin_password", lang))}<input name="password" type="password" '
        f'autocomplete="current-password" required></label>'
        f'<input type="hidden" name="next" value="{esc(path_of(view))}">'
        f'<button type="submit">{esc(t("signin_submit", lang))}</button></form>'
        f'<p class="pp-signin-hint">{esc(t("signin_hint", lang))}</p>' + FORM_CSS)


def signout_form(account: Account, view: filters.ViewState) -> None:
    """Who is signed in, and the sign-out button (the server revokes the session)."""
    lang = view.lang
    shown = notice()
    message = f'<p class="pp-signin-refused" role="alert">{esc(shown.text(lang))}</p>' if shown else ""
    st.html(
        f'<form class="pp-signout" method="post" action="{websession.SIGNOUT_PATH}">{message}'
        f'<span class="pp-who">{esc(who(account, lang))}</span>'
        f'<input type="hidden" name="next" value="{esc(path_of(view))}">'
        f'<button type="submit">{esc(t("signout_submit", lang))}</button></form>' + FORM_CSS)


def who(account: Account, lang: str) -> str:
    role = t("role_office", lang) if account.is_office else t("role_reporter", lang)
    units = "、".join(account.units) if lang == "zh" else ", ".join(account.units)
    if not units:  # the office's own account
        return t("signed_in_as_office", lang).format(login=account.login, role=role)
    return t("signed_in_as", lang).format(login=account.login, role=role, units=units)


def sidebar_status(account: Account | None, view: filters.ViewState) -> None:
    """One line in the sidebar: signed in as whom, or not (signing in and out is on the tracking page,
    which the page links reach; the sidebar's links are the pages only)."""
    text = who(account, view.lang) if account else t("not_signed_in", view.lang)
    st.html(f'<p class="pp-session" role="status" style="font-size:.85rem;color:#455a64;margin:0">{esc(text)}</p>')


FORM_CSS = """<style>
.pp-signin,.pp-signout{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:flex-end;max-width:980px}
.pp-signin label{display:flex;flex-direction:column;font-size:.9rem;gap:2px}
.pp-signin input{font-size:1rem;padding:6px 8px;border:1px solid #bbb;border-radius:4px;min-width:220px}
.pp-signin button,.pp-signout button{font-size:1rem;padding:6px 18px;border:1px solid #b22222;background:#b22222;
color:#fff;border-radius:4px;cursor:pointer}
.pp-signout button{background:#fff;color:#b22222}
.pp-signin-refused{flex-basis:100%;margin:0;padding:6px 10px;background:#ffebee;border-left:4px solid #c62828}
.pp-signin-hint{font-size:.85rem;color:#555}
.pp-who{font-weight:600}
</style>"""
