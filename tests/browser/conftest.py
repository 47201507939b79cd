"""Fixtures for the browser tests: a real Streamlit server and headless Debian Chromium.

Fixtures
--------
``streamlit_server`` (session)  callable ``(app_path, *extra_cli_args, env=None) -> base_url``;
                                starts (once per distinct arguments and ``env``) ``streamlit run``
                                from the project root, with the ``env`` mapping added to the
                                environment, and stops every server at the end of the session.
``app_server`` (session)        base URL (``http://127.0.0.1:<port>``, no trailing slash) of the
                                app at ``$PANPRD_TEST_APP`` (default: ``app.py`` in the root).
``browser`` (session)           Playwright ``Browser`` (``/usr/bin/chromium`` or
                                ``$PANPRD_CHROMIUM``, headless).
``page`` (function)             a ``Page`` in a fresh context; see the recording fixtures below.
``request_log`` (function)      every request URL made by this test's page (iframes included).
``external_requests`` (session) URLs of requests to hosts other than 127.0.0.1/localhost/::1.
``dialogs`` (session)           ``(type, message, page_url)`` of every JS dialog (all dismissed).
``page_errors`` (session)       ``(page_url, message)`` of every uncaught JS error.
``wait_for_map`` (function)     callable ``(page, index=0, timeout_ms=30000) -> Frame``: waits
                                until the index-th st_folium iframe shows a painted Leaflet map.
``screenshot_dir`` (session)    ``<root>/test-output/screenshots/``, created.
``all_requests`` (session)      every request URL made by any test's ``page`` this session.
``page_tests`` (session)        node ids of the tests that used ``page`` (recorded at teardown).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Frame, Page, sync_playwright

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = PROJECT_ROOT / "test-output"
CHROMIUM = os.environ.get("PANPRD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOCAL_SCHEMES = {"data", "blob", "about"}
#: The iframe streamlit-folium's component renders in (title = "<module>.<component name>").
ST_FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: A painted Leaflet map: a vector path or a marker inside the map container.
PAINTED_MAP = ".leaflet-container :is(path.leaflet-interactive, .leaflet-marker-icon)"
SERVER_START_TIMEOUT_S = 60


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser with the ``browser`` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def is_external(url: str) -> bool:
    """True for a request that leaves this machine (not data:/blob:/about:, not localhost)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return (parts.hostname or "") not in LOCAL_HOSTS


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server's whole process group (SIGTERM, then SIGKILL after 10 s)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def _start(
    app_path: Path, extra_args: tuple[str, ...], extra_env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``streamlit run`` from the project root (``extra_env`` added to the environment)
    and wait for ``/_stcore/health``."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.enableStaticServing", "true",
        "--server.fileWatcherType", "none",
        *extra_args,
    ]  # fmt: skip
    env = dict(os.environ)
    env.update(extra_env or {})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    log_path = OUTPUT_DIR / f"streamlit-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not _healthy(f"{base_url}/_stcore/health"):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"streamlit did not become healthy: {' '.join(cmd)}\n{tail}")
        time.sleep(0.3)
    return proc, base_url


@pytest.fixture(scope="session")
def streamlit_server() -> Iterator[Callable[..., str]]:
    """Factory ``(app_path, *extra_cli_args, env=None) -> base_url``; servers are reused (per
    arguments and ``env``) and stopped at the end. ``env`` is added to the server's environment."""
    servers: dict[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], tuple[subprocess.Popen[bytes], str]] = {}

    def start(app_path: Path | str, *extra_args: str, env: Mapping[str, str] | None = None) -> str:
        env_key = tuple(sorted((str(k), str(v)) for k, v in (env or {}).items()))
        key = (str(Path(app_path).resolve()), tuple(extra_args), env_key)
        if key not in servers:
            servers[key] = _start(Path(key[0]), key[1], dict(env_key))
        return servers[key][1]

    yield start
    for proc, _ in servers.values():
        _stop(proc)


@pytest.fixture(scope="session")
def app_server(streamlit_server: Callable[..., str]) -> str:
    """Base URL of the app (``$PANPRD_TEST_APP``, default ``<root>/app.py``)."""
    app = Path(os.environ.get("PANPRD_TEST_APP", PROJECT_ROOT / "app.py"))
    return streamlit_server(app if app.is_absolute() else PROJECT_ROOT / app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM} (run `make browser-deps` or set PANPRD_CHROMIUM)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def external_requests() -> list[str]:
    return []


@pytest.fixture(scope="session")
def dialogs() -> list[tuple[str, str, str]]:
    return []


@pytest.fixture(scope="session")
def page_errors() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def request_log() -> list[str]:
    return []


@pytest.fixture
def page(
    browser: Browser,
    request_log: list[str],
    external_requests: list[str],
    dialogs: list[tuple[str, str, str]],
    page_errors: list[tuple[str, str]],
) -> Iterator[Page]:
    """A fresh context and page that records requests, dialogs and uncaught errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})

    def on_request(req) -> None:  # context-wide: covers iframes and pages opened by the page
        request_log.append(req.url)
        if is_external(req.url):
            external_requests.append(req.url)

    context.on("request", on_request)
    page = context.new_page()

    def on_dialog(dialog) -> None:
        dialogs.append((dialog.type, dialog.message, page.url))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda err: page_errors.append((page.url, str(err))))
    yield page
    context.close()


def _wait_for_map(page: Page, index: int = 0, timeout_ms: float = 30_000) -> Frame:
    """Wait until the ``index``-th st_folium iframe shows a painted Leaflet map; return its Frame."""
    page.frame_locator(ST_FOLIUM_IFRAME).nth(index).locator(PAINTED_MAP).first.wait_for(
        state="attached", timeout=timeout_ms
    )
    handle = page.locator(ST_FOLIUM_IFRAME).nth(index).element_handle(timeout=timeout_ms)
    frame = handle.content_frame()
    assert frame is not None, "st_folium iframe has no content frame"
    return frame


@pytest.fixture
def wait_for_map() -> Callable[..., Frame]:
    return _wait_for_map


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = OUTPUT_DIR / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Session-wide request tally and run-last ordering (used by test_zz_no_external_requests.py) ---

#: Test files that must run after every other test of the session (they check session-wide logs).
RUN_LAST_FILES = frozenset({"test_zz_no_external_requests.py"})


@pytest.fixture(scope="session")
def all_requests() -> list[str]:
    """Every request URL recorded by any test's ``page`` this session (filled at each test's teardown)."""
    return []


@pytest.fixture(scope="session")
def page_tests() -> list[str]:
    """Node ids of the tests that used the ``page`` fixture (filled at each test's teardown)."""
    return []


@pytest.fixture(autouse=True)
def _tally_requests(
    request: pytest.FixtureRequest, request_log: list[str], all_requests: list[str], page_tests: list[str]
) -> Iterator[None]:
    """After each browser test (and after its page's context is closed), add its requests to the tally."""
    yield
    if "page" in request.fixturenames:
        page_tests.append(request.node.nodeid)
        all_requests.extend(request_log)


class _RunLastPlugin:
    """Moves the tests of RUN_LAST_FILES to the end of the session, after any other reordering."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        last = [item for item in items if item.path.name in RUN_LAST_FILES]
        if last:
            items[:] = [item for item in items if item.path.name not in RUN_LAST_FILES] + last


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("panprd-browser-run-last"):
        config.pluginmanager.register(_RunLastPlugin(), "panprd-browser-run-last")
