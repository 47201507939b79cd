"""Sign-in through an OIDC identity platform (issue 15), in Chromium against `oidc-provider-mock` on localhost.

Asked for /tracking?measure=4.1.17 while signed out, the user follows the platform link, picks the
mock's predefined user (claim dept_code=TEST-JTT, mapped to 省交通运输厅 by a test claim table),
and lands back on /tracking?measure=4.1.17 signed in as that unit's platform account; the account
survives a reload (Streamlit's identity cookie).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OUTPUT_DIR, PROJECT_ROOT, _free_port, _healthy, _stop, is_external

USER = {"sub": "jt-alice", "dept_code": "TEST-JTT", "name": "Alice"}


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not _healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            raise RuntimeError(f"not healthy: {url}\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def platform_app(tmp_path_factory) -> Iterator[str]:
    """The mock platform and the app (serve.py) with [auth] pointing at it; yields the app's base URL."""
    folder = tmp_path_factory.mktemp("platform")
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    idp_port, app_port = _free_port(), _free_port()
    idp_log = OUTPUT_DIR / f"oidc-mock-{idp_port}.log"
    with idp_log.open("wb") as log:
        idp = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port),
                                "--user-claims", json.dumps(USER)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    issuer = f"http://127.0.0.1:{idp_port}"
    _wait(f"{issuer}/.well-known/openid-configuration", idp, idp_log)
    app = f"http://127.0.0.1:{app_port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(f'[auth]\nredirect_uri = "{app}/oauth2callback"\ncookie_secret = "{os.urandom(16).hex()}"\n'
                       f'client_id = "panprd-test"\nclient_secret = "panprd-test-secret"\n'
                       f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n', encoding="utf-8")
    claim_map = folder / "oidc_units.csv"
    claim_map.write_text("claim,value,unit,source\ndept_code,TEST-JTT,省交通运输厅,test fixture (not a real code)\n",
                         encoding="utf-8")
    env = {**os.environ, "PANPRD_DB_URL": f"sqlite:///{folder / 'tracking.db'}", "PANPRD_OIDC_UNITS": str(claim_map),
           "PANPRD_SESSION_SECRET": os.urandom(16).hex(),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))}
    app_log = OUTPUT_DIR / f"streamlit-{app_port}.log"
    with app_log.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.headless", "true",
             "--server.port", str(app_port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.enableStaticServing", "true", "--server.fileWatcherType", "none",
             "--secrets.files", str(secrets)],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"{app}/_stcore/health", server, app_log)
        yield app
    finally:
        _stop(server)
        os.killpg(idp.pid, signal.SIGTERM)
        idp.wait(timeout=10)


def test_sign_in_through_the_platform_lands_back_on_the_page_asked_for(platform_app: str, page: Page,
                                                                     external_requests: list[str]):
    # oidc-provider-mock's sign-in page (the stand-in for the province's platform, not our app) links a
    # stylesheet on a CDN. It is answered inside the browser with an empty one, so nothing leaves the
    # machine, and taken off the session's list of external requests: only those answered here.
    answered_here: list[str] = []

    def answer_here(route) -> None:
        answered_here.append(route.request.url)
        route.fulfill(status=200, content_type="text/css", body="")

    page.context.route(is_external, answer_here)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url) if request.is_navigation_request() else None)
    page.goto(f"{platform_app}/tracking?measure=4.1.17")
    expect(page.locator("form.pp-signin")).to_be_visible(timeout=60_000)  # the built-in accounts' form stays
    link = page.get_by_role("link", name="或通过省统一身份认证平台登录")
    expect(link).to_be_visible(timeout=60_000)
    link.click()
    page.get_by_role("button", name="jt-alice").click()  # the mock platform's predefined user
    signed_in = page.locator("p.pp-who", has_text="已登录：oidc:jt-alice（填报单位：省交通运输厅）")
    expect(signed_in).to_be_visible(timeout=60_000)
    assert page.url == f"{platform_app}/tracking?measure=4.1.17"
    # The way there and back: our route, the platform, Streamlit's callback landing on the home page,
    # and from there (a switch inside the session, no new page load) the target.
    route = next(i for i, url in enumerate(visited) if "/_panprd/platform?next=" in url)
    callback = next(i for i, url in enumerate(visited) if "/oauth2callback?" in url)
    assert route < callback and visited[callback + 1] == f"{platform_app}/", visited
    page.screenshot(path=str(OUTPUT_DIR / "screenshots" / "platform-signin-landed.png"), full_page=False)
    # 4.1.17 lists 省交通运输厅: the platform account gets the report form.
    expect(page.get_by_text("填报进展").first).to_be_visible()
    page.reload()
    expect(signed_in).to_be_visible(timeout=60_000)
    assert all(url.startswith("https://cdn.jsdelivr.net/") for url in answered_here), answered_here
    for url in answered_here:
        external_requests.remove(url)
