"""Start and stop Streamlit servers for the benchmark, and read their memory.

Every server runs in its own process group (`start_new_session=True`) and is registered, so
`stop_all()` (called from a `finally` in bench/run.py) ends every process the benchmark started,
and only those.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

APP_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 120.0
_RUNNING: list[subprocess.Popen[bytes]] = []


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    base_url: str
    port: int
    started_at: float  # time.monotonic() just before the process was started
    log_path: Path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def healthy(base_url: str, timeout: float = 2.0) -> bool:
    """True when Streamlit answers /_stcore/health with 200 (never through a proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{base_url}/_stcore/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def start(app: Path, log_dir: Path, data_root: Path | None = None, port: int | None = None,
          wait: bool = True, app_dir: Path | None = None, env_extra: dict[str, str] | None = None) -> Server:
    """`streamlit run app` on 127.0.0.1 from the project root (so .streamlit/config.toml applies): the
    app's own folder when it is a checkout (a "before" figure from another one), else this one. A checkout's
    app.py is served as `make run` serves it, through its serve.py (the sign-in routes and, from issue 23, the
    warm start before the health check answers)."""
    if app_dir is None:
        app_dir = app.parent if (app.parent / "panprd").is_dir() else APP_DIR
    if app.name == "app.py" and (app.parent / "serve.py").is_file():
        app = app.parent / "serve.py"
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.enableStaticServing", "true",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(app_dir), env.get("PYTHONPATH")]))
    env.update(env_extra or {})
    env.pop("PANPRD_DATA_ROOT", None)
    if data_root is not None:
        env["PANPRD_DATA_ROOT"] = str(data_root)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"streamlit-{app.stem}-{port}.log"
    started_at = time.monotonic()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _RUNNING.append(proc)
    server = Server(proc, f"http://127.0.0.1:{port}", port, started_at, log_path)
    if wait:
        wait_healthy(server)
    return server


def wait_healthy(server: Server, timeout: float = START_TIMEOUT_S, interval: float = 0.05) -> None:
    """Poll the health endpoint until it answers; raise with the log's tail if it never does."""
    deadline = time.monotonic() + timeout
    while not healthy(server.base_url, timeout=1.0):
        if server.proc.poll() is not None or time.monotonic() > deadline:
            stop(server)
            tail = server.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"streamlit on port {server.port} did not become healthy:\n{tail}")
        time.sleep(interval)


def stop(server: Server) -> None:
    stop_proc(server.proc)


def stop_proc(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, SIGKILL after 10 s."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
    if proc in _RUNNING:
        _RUNNING.remove(proc)


def stop_all() -> None:
    """Stop every server this process started."""
    for proc in list(_RUNNING):
        stop_proc(proc)


def rss_bytes(pgid: int) -> int:
    """Resident memory (VmRSS) summed over the processes of a process group (the server and children)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Field 5 is the process group; the command name (field 2) may contain spaces.
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total
