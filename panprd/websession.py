"""Sign-in that survives full page loads: a signed, HttpOnly session cookie set by the server.

Streamlit keeps `st.session_state` per browser tab connection, so every page link, facet link and
reload (all full page loads) starts a new, signed-out session; and a script can read cookies
(`st.context.cookies`) but not set them. So sign-in and sign-out are two small HTTP endpoints that
`serve.py` adds to Streamlit's own server through `st.App(routes=...)`:

- `POST /_panprd/signin` (form fields `login`, `password`, `next`): checks the password
  (`accounts.authenticate`, rate-limited per login), creates a server-side session
  (`accounts.create_session`: only the token's sha256 is stored) and answers 303 → `next` with
  the cookie `panprd_session` = token + HMAC-SHA256 signature; HttpOnly (no script can read
  it), SameSite=Strict, Path=/, Secure when the request came over https, Max-Age = the
  session's lifetime. A refusal answers 303 → `next` with a one-time message (see "notices").
- `POST /_panprd/signout`: revokes the session server-side and clears the cookie.

Both refuse a request whose Origin (or Referer) is not this server (cross-site form posts).
Passwords travel only in POST bodies, never in a URL; the token never appears in a URL, a log
or the page. The pages read the cookie from the websocket's handshake (`st.context.cookies`).

Notices: a refused sign-in cannot put its message in the URL (the URL is the view, and a
message there would be bookmarked), so the endpoint keeps it in this process under a random id
for a minute and sets the short-lived cookie `panprd_notice` to that id; the page shows it
once. The HMAC secret is `PANPRD_SESSION_SECRET` or the file `var/session.key` (created with
mode 0600 on first use), so sessions survive a restart of the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from panprd.tracking import accounts, store
from panprd.tracking.store import TrackingError

SESSION_COOKIE = "panprd_session"
NOTICE_COOKIE = "panprd_notice"
SIGNIN_PATH = "/_panprd/signin"
SIGNOUT_PATH = "/_panprd/signout"
SECRET_FILE = store.DEFAULT_DB.parent / "session.key"
NOTICE_SECONDS = 60
MAX_FORM_BYTES = 8192
DEFAULT_NEXT = "/tracking"
# A path of this app with an optional query: no scheme, no host, no "//", no backslash.
_SAFE_NEXT = re.compile(r"^/(?!/)[A-Za-z0-9_\-./]*(\?[^\\\s]*)?$")

EngineSource = Callable[[], "tuple[Engine | None, TrackingError | None]"]


# ---------------------------------------------------------------- signing


def _secret() -> bytes:
    """The HMAC key: PANPRD_SESSION_SECRET, else var/session.key (made on first use, readable by the owner only)."""
    configured = os.environ.get("PANPRD_SESSION_SECRET")
    if configured:
        return configured.encode("utf-8")
    try:
        return SECRET_FILE.read_bytes().strip()
    except FileNotFoundError:
        pass
    SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    try:
        descriptor = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return SECRET_FILE.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    return key


def _mac(token: str) -> str:
    digest = hmac.new(_secret(), token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign(token: str) -> str:
    """The cookie value of a session token: token.signature."""
    return f"{token}.{_mac(token)}"


def unsign(value: str | None) -> str | None:
    """The token of a cookie value whose signature holds; None for a missing or tampered cookie."""
    if not value or value.count(".") != 1:
        return None
    token, signature = value.split(".")
    return token if token and hmac.compare_digest(signature, _mac(token)) else None


# ---------------------------------------------------------------- one-time notices


@dataclass(frozen=True)
class Notice:
    """A message for the next page load of the browser that caused it (a refused sign-in)."""

    refused: TrackingError
    login: str
    expires: float

    @property
    def message(self) -> str:
        return str(self.refused)

    def text(self, lang: str) -> str:
        return self.refused.text(lang)


_notices: dict[str, Notice] = {}
_notices_lock = threading.Lock()


def _put_notice(refused: TrackingError, login: str) -> str:
    now = time.monotonic()
    notice_id = secrets.token_urlsafe(16)
    with _notices_lock:
        for key in [k for k, n in _notices.items() if n.expires < now]:
            del _notices[key]
        _notices[notice_id] = Notice(refused, login[:64], now + NOTICE_SECONDS)
    return notice_id


def take_notice(notice_id: str | None) -> Notice | None:
    """The notice of this id, once (a second call gets None), unless it expired."""
    if not notice_id:
        return None
    with _notices_lock:
        notice = _notices.pop(notice_id, None)
    return notice if notice is not None and notice.expires >= time.monotonic() else None


# ---------------------------------------------------------------- the endpoints


def safe_next(value: str | None) -> str:
    """Where to go after signing in or out: a path of this app, never another site."""
    return value if value and _SAFE_NEXT.fullmatch(value) else DEFAULT_NEXT


def _same_origin(request: Request) -> bool:
    """The form was posted from a page of this server (Origin, else Referer, names our host)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == request.headers.get("host", "")


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    fields = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _back(request: Request, target: str, notice: tuple[TrackingError, str] | None = None) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    if notice is not None:
        response.set_cookie(NOTICE_COOKIE, _put_notice(*notice), max_age=NOTICE_SECONDS, path="/", httponly=True,
                            samesite="strict", secure=_is_https(request))
    return response


def _sign_in(engine: Engine, login: str, password: str) -> str:
    account = accounts.authenticate(engine, login, password)
    return accounts.create_session(engine, account)


def routes(opened: EngineSource) -> list[Route]:
    """The sign-in and sign-out endpoints; `opened` gives the ledger engine (or None and the reason)."""

    async def sign_in(request: Request) -> Response:
        if not _same_origin(request):
            return PlainTextResponse("跨站请求被拒绝 / Cross-site request refused.", status_code=403)
        form = await _form(request)
        target = safe_next(form.get("next"))
        login = form.get("login", "").strip()
        engine, problem = await run_in_threadpool(opened)
        if engine is None:
            return _back(request, target, (problem, login))
        try:
            token = await run_in_threadpool(_sign_in, engine, login, form.get("password", ""))
        except TrackingError as refused:  # SignInRefused (wrong password, rate limit, deactivated) or StoreUnavailable
            return _back(request, target, (refused, login))
        response = _back(request, target)
        response.set_cookie(SESSION_COOKIE, sign(token), max_age=int(accounts.SESSION_TTL.total_seconds()), path="/",
                            httponly=True, samesite="strict", secure=_is_https(request))
        response.delete_cookie(NOTICE_COOKIE, path="/")
        return response

    async def sign_out(request: Request) -> Response:
        if not _same_origin(request):
            return PlainTextResponse("跨站请求被拒绝 / Cross-site request refused.", status_code=403)
        form = await _form(request)
        token = unsign(request.cookies.get(SESSION_COOKIE))
        engine, problem = await run_in_threadpool(opened)
        if token and engine is not None:
            try:
                await run_in_threadpool(accounts.revoke_session, engine, token)
                problem = None
            except TrackingError as failed:
                problem = failed
        # The cookie goes either way; when the database could not revoke the session, say so.
        response = _back(request, safe_next(form.get("next")), (problem, "") if token and problem else None)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_is_https(request))
        return response

    return [Route(SIGNIN_PATH, sign_in, methods=["POST"]), Route(SIGNOUT_PATH, sign_out, methods=["POST"])]
