"""Sign-in through the province's identity platform, offered beside the built-in accounts when
`[auth]` is set in `.streamlit/secrets.toml` (Streamlit's st.login: OIDC with discovery through
`server_metadata_url`). Without `[auth]` nothing here shows or runs.

Coming back to the page asked for: Streamlit's OIDC callback always lands on the home page, in a new
session, so neither the URL nor `st.session_state` can carry the target. The link on a page goes to
`/_panprd/platform?next=<this view>`, a route of this server that keeps the target in a signed,
HttpOnly cookie for 10 minutes (SameSite=Lax, so it comes back with the platform's redirect) and
then sends the browser to the very URL `st.login` sends it to (`generate_login_redirect_url`). When
the home page then runs for an identity signed in after that cookie was made, it switches to the
target once (the target is consumed in this process; nginx keeps a browser on one process).
The ledger account is `panprd.tracking.oidc.account_for` the identity's claims.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import parse_qs, quote, urlsplit

import streamlit as st
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from panprd import filters, pages, websession
from panprd.i18n import t
from panprd.tracking import oidc
from panprd.tracking.accounts import Account
from panprd.tracking.store import TrackingError
from panprd.ui.html import esc

START_PATH = "/_panprd/platform"
TARGET_COOKIE = "panprd_after_signin"
TARGET_SECONDS = 600
_consumed: dict[str, float] = {}  # target cookies already followed → when (forgotten once they expire)
_consumed_lock = threading.Lock()


def provider() -> str | None:
    """The `st.login` provider of `[auth]`: "default" for a flat section, else its first named provider;
    None without `[auth]` (or without a secrets file)."""
    try:
        section = st.secrets.get("auth")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None
    if not section:
        return None
    if "server_metadata_url" in section:
        return "default"
    named = [name for name, value in section.items() if hasattr(value, "get") and value.get("server_metadata_url")]
    return named[0] if named else None


def _encode_target(path: str, now: float) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"next": path, "at": int(now)}).encode()).decode().rstrip("=")
    return websession.sign(payload)


def read_target(cookie: str | None, now: float) -> tuple[str, int] | None:
    """(path, made at) of a signed target cookie not older than TARGET_SECONDS; None otherwise."""
    payload = websession.unsign(cookie)
    if payload is None:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        path, made = websession.safe_next(str(data["next"])), int(data["at"])
    except (ValueError, KeyError, TypeError):
        return None
    return (path, made) if 0 <= now - made <= TARGET_SECONDS else None


def routes() -> list[Route]:
    """GET /_panprd/platform?next=PATH: keep the target, then on to the platform's sign-in (st.login's URL)."""

    async def start(request: Request) -> Response:
        chosen = provider()
        if chosen is None:
            return PlainTextResponse("未配置统一身份认证 / No identity platform is configured.", status_code=404)
        from streamlit.user_info import generate_login_redirect_url

        response = RedirectResponse(generate_login_redirect_url(chosen), status_code=303)
        target = websession.safe_next(request.query_params.get("next"))
        response.set_cookie(TARGET_COOKIE, _encode_target(target, time.time()), max_age=TARGET_SECONDS, path="/",
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https")
        return response

    return [Route(START_PATH, start, methods=["GET"])]


def _claims() -> dict[str, object] | None:
    try:
        user = st.user
        return user.to_dict() if user.is_logged_in else None
    except (AttributeError, RuntimeError, KeyError):
        return None


def platform_account(engine: Engine | None) -> tuple[Account | None, TrackingError | None]:
    """(the ledger account of the platform identity signed in, None), or (None, why not); (None, None)
    when no platform is configured or nobody signed in through it."""
    if provider() is None or engine is None:
        return None, None
    claims = _claims()
    if claims is None:
        return None, None
    try:
        return oidc.account_for(engine, claims, oidc.read_claim_map()), None
    except TrackingError as refused:
        return None, refused


def return_to_target(page: pages.PageSpec, account: Account | None) -> None:
    """On the home page, right after a platform sign-in, switch once to the page the user asked for."""
    if account is None or not page.is_default or st.query_params.to_dict():
        return
    cookie = st.context.cookies.get(TARGET_COOKIE)
    now = time.time()
    target = read_target(cookie, now)
    claims = _claims() or {}
    issued = claims.get("iat")
    if target is None or not isinstance(issued, int | float) or not target[1] - 5 <= issued <= now + 5:
        return  # no target, or the identity was not signed in after the target was asked for
    with _consumed_lock:
        for old in [c for c, at in _consumed.items() if now - at > TARGET_SECONDS]:
            del _consumed[old]
        if cookie in _consumed:
            return
        _consumed[cookie] = now
    parts = urlsplit(target[0])
    chosen = pages.BY_KEY.get(parts.path.strip("/"))
    if chosen is None or chosen.is_default and not parts.query:
        return
    st.switch_page(chosen.file, query_params={k: v[-1] for k, v in parse_qs(parts.query).items()})


def signin_link(view: filters.ViewState) -> None:
    """The platform's sign-in beside the built-in form, coming back to this view."""
    if provider() is None:
        return
    target = "/" + view.href().removeprefix("./")
    st.html(f'<p class="pp-platform-signin"><a href="{START_PATH}?next={esc(quote(target, safe=""))}" '
            f'target="_self">{esc(t("platform_signin", view.lang))}</a></p>')


def signout_button(lang: str) -> None:
    """A platform identity signs out of Streamlit's identity cookie (st.logout), not of a ledger session."""
    if st.button(t("platform_signout", lang), key="pp_platform_signout"):
        st.logout()
