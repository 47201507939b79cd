"""The sign-in and sign-out endpoints (panprd.websession) driven as ASGI apps, without a browser: the cookie's
flags and signature, refusals as one-time notices, cross-site posts, safe redirects, server-side sign-out."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette

from panprd import websession
from panprd.tracking import accounts, store

PASSWORD = "correct horse battery"
HOST = "127.0.0.1:8501"


@pytest.fixture
def engine(tmp_path, monkeypatch):
    monkeypatch.setenv("PANPRD_SESSION_SECRET", "unit-test-secret")
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    made = store.open_store(f"sqlite:///{tmp_path / 'tracking.db'}")
    accounts.add_account(made, "jtt", "reporter", ["省交通运输厅"], PASSWORD)
    yield made
    made.dispose()


@pytest.fixture
def app(engine):
    return Starlette(routes=websession.routes(lambda: (engine, None)))


def post(app, path: str, fields: dict[str, str], *, origin: str | None = f"http://{HOST}",
         cookie: str = "", proto: str = "") -> tuple[int, dict[str, list[str]]]:
    """POST a form to the ASGI app; (status, headers by lower-case name)."""
    headers = [(b"host", HOST.encode()), (b"content-type", b"application/x-www-form-urlencoded")]
    if origin:
        headers.append((b"origin", origin.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if proto:
        headers.append((b"x-forwarded-proto", proto.encode()))
    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "scheme": "http", "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 5000),
             "http_version": "1.1", "root_path": ""}
    body = [{"type": "http.request", "body": urlencode(fields).encode(), "more_body": False}]
    sent: list[dict] = []

    async def receive():
        return body.pop(0) if body else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # In a thread of its own: the browser tests' Playwright session keeps an event loop running in
    # the main thread when the whole suite runs, and asyncio.run() refuses to nest in it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    out: dict[str, list[str]] = {}
    for name, value in sent[0]["headers"]:
        out.setdefault(name.decode().lower(), []).append(value.decode())
    return sent[0]["status"], out


def cookie_named(headers: dict[str, list[str]], name: str) -> tuple[str, str]:
    """(value, the whole Set-Cookie line) of one cookie the response sets."""
    for line in headers.get("set-cookie", []):
        jar = SimpleCookie()
        jar.load(line)
        if name in jar:
            return jar[name].value, line
    raise AssertionError(f"no Set-Cookie for {name}: {headers.get('set-cookie')}")


def test_sign_in_sets_a_signed_httponly_strict_cookie_and_goes_back(app, engine):
    status, headers = post(app, websession.SIGNIN_PATH,
                           {"login": "jtt", "password": PASSWORD, "next": "/tracking?measure=4.1.17"})
    assert status == 303 and headers["location"] == ["/tracking?measure=4.1.17"]
    value, line = cookie_named(headers, websession.SESSION_COOKIE)
    lowered = line.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "path=/" in lowered
    assert "secure" not in lowered  # plain http on the intranet; https gets Secure (below)
    assert PASSWORD not in line and PASSWORD not in headers["location"][0]
    token = websession.unsign(value)
    assert token is not None and accounts.session_account(engine, token).login == "jtt"
    _status, https = post(app, websession.SIGNIN_PATH, {"login": "jtt", "password": PASSWORD}, proto="https")
    assert "secure" in cookie_named(https, websession.SESSION_COOKIE)[1].lower()


def test_a_forged_or_foreign_signature_is_refused(monkeypatch):
    monkeypatch.setenv("PANPRD_SESSION_SECRET", "one")
    signed = websession.sign("token")
    assert websession.unsign(signed) == "token"
    assert websession.unsign("token.AAAA") is None and websession.unsign("token") is None
    assert websession.unsign(None) is None and websession.unsign("a.b.c") is None
    monkeypatch.setenv("PANPRD_SESSION_SECRET", "two")
    assert websession.unsign(signed) is None


def test_the_secret_file_is_made_once_readable_by_its_owner_only(tmp_path, monkeypatch):
    monkeypatch.delenv("PANPRD_SESSION_SECRET", raising=False)
    monkeypatch.setattr(websession, "SECRET_FILE", tmp_path / "var" / "session.key")
    signed = websession.sign("token")
    assert (websession.SECRET_FILE.stat().st_mode & 0o777) == 0o600
    assert websession.unsign(signed) == "token"  # the same key is read back


def test_a_wrong_password_comes_back_as_a_one_time_notice(app, engine):
    status, headers = post(app, websession.SIGNIN_PATH, {"login": "jtt", "password": "wrong password", "next": "/"})
    assert status == 303 and headers["location"] == ["/"]
    assert all(websession.SESSION_COOKIE not in line for line in headers.get("set-cookie", []))
    notice_id, line = cookie_named(headers, websession.NOTICE_COOKIE)
    assert "httponly" in line.lower() and "wrong password" not in line
    notice = websession.take_notice(notice_id)
    assert notice is not None and "登录名或密码错误" in notice.message and notice.login == "jtt"
    assert websession.take_notice(notice_id) is None  # shown once


def test_the_rate_limit_message_reaches_the_page(app):
    for _ in range(accounts.MAX_FAILURES):
        post(app, websession.SIGNIN_PATH, {"login": "jtt", "password": "wrong password"})
    _status, headers = post(app, websession.SIGNIN_PATH, {"login": "jtt", "password": PASSWORD})
    notice = websession.take_notice(cookie_named(headers, websession.NOTICE_COOKIE)[0])
    assert notice is not None and "登录失败次数过多" in notice.message


@pytest.mark.parametrize("origin", ["http://evil.example", None, "null"])
def test_a_cross_site_post_is_refused(app, engine, origin):
    status, headers = post(app, websession.SIGNIN_PATH, {"login": "jtt", "password": PASSWORD}, origin=origin)
    assert status == 403 and "set-cookie" not in headers


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:1",
                                    "tracking", "/tracking\r\nSet-Cookie: x=1", "/tracking\n", ""])
def test_next_never_leaves_the_app(target):
    assert websession.safe_next(target) == websession.DEFAULT_NEXT


def test_sign_out_revokes_the_session_on_the_server_and_clears_the_cookie(app, engine):
    _status, headers = post(app, websession.SIGNIN_PATH, {"login": "jtt", "password": PASSWORD})
    value, _line = cookie_named(headers, websession.SESSION_COOKIE)
    status, out = post(app, websession.SIGNOUT_PATH, {"next": "/measures"},
                       cookie=f"{websession.SESSION_COOKIE}={value}")
    assert status == 303 and out["location"] == ["/measures"]
    cleared, line = cookie_named(out, websession.SESSION_COOKIE)
    assert cleared == "" and "max-age=0" in line.lower()
    assert accounts.session_account(engine, websession.unsign(value)) is None  # a copied cookie is useless now
