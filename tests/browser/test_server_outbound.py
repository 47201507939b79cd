"""A server that calls no one: started as `make run` starts it, with the project's own settings, the
Streamlit server opens no connection beyond loopback while every page is loaded, and it still listens
on every interface (so other machines on the LAN can reach it).

How: a `sitecustomize.py` in a temp folder on PYTHONPATH installs a Python audit hook in the server
process. The hook appends every `socket.connect`, `socket.sendto`, `socket.sendmsg` target and every
`socket.getaddrinfo` host name to a log, and refuses (raises) those that are not loopback, so
nothing leaves the machine even when the test fails. Out of the box Streamlit looks up its own
addresses at start-up (a UDP connect to 8.8.8.8 and an HTTP GET of checkip.amazonaws.com);
`browser.serverAddress` in .streamlit/config.toml is what stops that.

Controls, so that the test cannot pass by recording nothing: the hook writes a line when it loads
and, asked by the test, makes a loopback UDP connect of its own at start-up, which must appear in
the log under the server's pid; and `test_the_hook_records_and_refuses_off_host_targets` shows that
an off-host connect, sendto and name lookup are recorded and flagged by the same check.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page

from panprd import pages

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROBE = ("127.0.0.1", 9)  # the hook's own loopback UDP connect (connect() on UDP sends nothing)
START_TIMEOUT_S = 90

# Runs in every Python process started with the temp folder on PYTHONPATH (the server and its children).
HOOK = textwrap.dedent('''
    """Audit hook of tests/browser/test_server_outbound.py: log socket targets, refuse off-host ones."""
    import ipaddress
    import json
    import os
    import socket
    import sys

    _LOG = os.environ["PANPRD_AUDIT_LOG"]
    _LOCAL_NAMES = {None, "", b"", "localhost", b"localhost"}


    def _write(record):
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=repr) + "\\n")


    def _local_host(host):
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host in _LOCAL_NAMES:
            return True
        try:
            ip = ipaddress.ip_address(str(host).split("%", 1)[0])
        except ValueError:
            return False
        ip = getattr(ip, "ipv4_mapped", None) or ip
        return ip.is_loopback or ip.is_unspecified


    def _hook(event, args):
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            target = args[1]
            local = not isinstance(target, tuple) or _local_host(target[0])  # str/bytes: a unix socket
        elif event == "socket.getaddrinfo":
            target = args[0]
            local = _local_host(target)
        else:
            return
        _write({"pid": os.getpid(), "event": event, "target": target, "refused": not local})
        if not local:
            raise PermissionError(f"off-host {event} to {target!r} refused by the test's audit hook")


    _write({"pid": os.getpid(), "event": "hook-loaded", "argv": sys.orig_argv})
    sys.addaudithook(_hook)
    if os.environ.get("PANPRD_AUDIT_PROBE"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("127.0.0.1", 9))
''')


def is_local(record: dict) -> bool:
    """The test's own judgement of a logged target: loopback, unspecified (a bind lookup) or a unix socket."""
    target = record["target"]
    if record["event"] != "socket.getaddrinfo" and not isinstance(target, list):
        return True  # a unix socket path
    host = target[0] if isinstance(target, list) else target
    if host in (None, "", "localhost"):
        return True
    try:
        ip = ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return ip.is_loopback or (record["event"] == "socket.getaddrinfo" and ip.is_unspecified)


def read_log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def hook_env(folder: Path, log: Path, probe: bool) -> dict[str, str]:
    """The environment of `make run` (no STREAMLIT_* overrides) plus the hook on PYTHONPATH."""
    (folder / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(PROJECT_ROOT)])
    env["PANPRD_AUDIT_LOG"] = str(log)
    if probe:
        env["PANPRD_AUDIT_PROBE"] = "1"
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> list[str]:
    """Hex local addresses of the TCP sockets listening on `port` (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def audited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """`make run`'s command (`python -m streamlit run serve.py --server.port N` from the project root,
    the project's config) with the audit hook loaded; yields (base URL, hook log, process)."""
    folder = tmp_path_factory.mktemp("audit")
    log, out = folder / "connections.jsonl", folder / "server.log"
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)]
    with out.open("wb") as sink:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=hook_env(folder, log, probe=True), stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    # Wait for health and for the start-up banner (printed after any address look-up).
    while not (healthy(f"{base_url}/_stcore/health") and "URL: " in out.read_text(errors="replace")):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            pytest.fail(f"the server did not start: {' '.join(cmd)}\n{out.read_text(errors='replace')[-3000:]}")
        time.sleep(0.3)
    try:
        yield base_url, log, proc
    finally:
        stop(proc)


def test_the_hook_records_and_refuses_off_host_targets(tmp_path: Path) -> None:
    """The audit hook and `is_local` on a plain Python process: loopback passes, off-host is flagged."""
    log = tmp_path / "connections.jsonl"
    script = textwrap.dedent("""
        import socket
        def refused(action):
            try:
                action()
            except PermissionError:
                return True
            return False
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.connect(("127.0.0.1", 9))
        assert refused(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(("8.8.8.8", 1)))
        assert refused(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.1", 9)))
        assert refused(lambda: socket.getaddrinfo("checkip.amazonaws.com", 80))
        socket.getaddrinfo("localhost", 80)
    """)
    subprocess.run([sys.executable, "-c", script], env=hook_env(tmp_path, log, probe=False), check=True,
                   timeout=60)
    records = [r for r in read_log(log) if r["event"] != "hook-loaded"]
    flagged = [(r["event"], r["target"]) for r in records if not is_local(r)]
    assert flagged == [("socket.connect", ["8.8.8.8", 1]), ("socket.sendto", ["192.0.2.1", 9]),
                       ("socket.getaddrinfo", "checkip.amazonaws.com")]
    assert [r["refused"] for r in records] == [not is_local(r) for r in records]
    assert ("socket.connect", ["127.0.0.1", 9]) in [(r["event"], r["target"]) for r in records]


def test_no_connection_beyond_loopback_while_every_page_loads(
    audited_server: tuple[str, Path, subprocess.Popen[bytes]], page: Page,
    wait_for_map: Callable[..., Frame],
) -> None:
    base_url, log, proc = audited_server
    port = int(base_url.rsplit(":", 1)[1])
    addresses = listening_addresses(port)
    assert addresses and all(set(a) == {"0"} for a in addresses), (
        f"the server must listen on every interface (0.0.0.0 or ::), not only loopback: {addresses}")
    for spec in pages.PAGES:
        page.goto(f"{base_url}/" + ("" if spec.is_default else spec.key))
        page.locator("h1").first.wait_for(timeout=60_000)
        if spec.kind in ("map", "measures"):  # the explorer has a small map too
            wait_for_map(page)
    page.goto(f"{base_url}/measures?lang=en&theme=ecology")
    page.locator("h1").first.wait_for(timeout=60_000)
    stop(proc)  # shutdown included

    records = read_log(log)
    assert any(r["pid"] == proc.pid and r["event"] == "hook-loaded" for r in records), (
        "the audit hook did not load in the server process")
    probe = [r for r in records if r["pid"] == proc.pid and r["event"] == "socket.connect"
             and r["target"] == list(PROBE)]
    assert probe, "the hook's own loopback connect was not recorded: the log cannot be trusted"
    off_host = [(r["pid"], r["event"], r["target"]) for r in records if "target" in r and not is_local(r)]
    assert off_host == [], f"the server tried to reach beyond loopback: {off_host}"
