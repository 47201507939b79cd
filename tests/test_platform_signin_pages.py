"""The identity platform's sign-in on /tracking under AppTest: offered beside the built-in form only when
`[auth]` is set in the secrets, and without `[auth]` the page is as before (issue 15)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.test_pages import html_of

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AUTH = {"redirect_uri": "http://127.0.0.1:8641/oauth2callback", "cookie_secret": "not a real secret, a test one",
        "client_id": "panprd", "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def tracking_page(secrets: dict | None, tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("PANPRD_DB_URL", f"sqlite:///{tmp_path / 'tracking.db'}")
    at = AppTest.from_file(APP, default_timeout=60)
    if secrets:
        at.secrets["auth"] = secrets
    at.query_params["measure"] = "4.1.17"
    at.run()
    at.switch_page("pages/tracking.py").run()
    assert not at.exception, at.exception
    return html_of(at)


def test_without_auth_only_the_built_in_form_shows(tmp_path, monkeypatch):
    page = tracking_page(None, tmp_path, monkeypatch)
    assert 'class="pp-signin"' in page
    assert "pp-platform-signin" not in page and "/_panprd/platform" not in page


def test_with_auth_the_platform_link_comes_back_to_this_view(tmp_path, monkeypatch):
    page = tracking_page(AUTH, tmp_path, monkeypatch)
    assert 'class="pp-signin"' in page  # beside the built-in accounts, not instead of them
    assert ('<p class="pp-platform-signin"><a href="/_panprd/platform?next=%2Ftracking%3Fmeasure%3D4.1.17" '
            'target="_self">或通过省统一身份认证平台登录</a></p>') in page
