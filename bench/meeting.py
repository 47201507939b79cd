"""The meeting deployment: one app process per core behind nginx, started with one command.

    make meeting                      # http://<this host>:8501/ for the room; Ctrl-C stops everything
    .venv/bin/python -m bench.meeting --port 8501 --processes 2

One Streamlit process runs one script at a time per Python interpreter lock, so twenty people changing
filters at once queue behind each other on one core (bench/README.md). Here each core gets a process
(`serve.py`, what `make run` serves: sign-in included), on loopback ports, and nginx (bench/nginx.conf,
Debian's nginx-light) listens on the port the room uses and keeps each browser on one process (sessions
live in one process). The processes share the ledger (var/tracking.db or PANPRD_DB_URL) and the sign-in
key (var/session.key or PANPRD_SESSION_SECRET), as README "Past one machine" describes.
`bench/load.py` measures this deployment by default.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import server  # noqa: E402

TEMPLATE = server.APP_DIR / "bench" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Meeting:
    """The running deployment: the app processes, nginx, and the address the room uses."""

    apps: list[server.Server]
    nginx: subprocess.Popen[bytes]
    base_url: str
    prefix: Path


def nginx_conf(listen: str, app_ports: list[int]) -> str:
    """bench/nginx.conf with the room's address and one upstream server per app process."""
    text = TEMPLATE.read_text(encoding="utf-8")
    upstream = "".join(f"        server 127.0.0.1:{port};\n" for port in app_ports)
    text, servers = re.subn(r"(        server 127\.0\.0\.1:\d+;\n)+", upstream, text, count=1)
    text, listens = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen {listen};", text, count=1)
    if servers != 1 or listens != 1:
        raise RuntimeError(f"{TEMPLATE}: no upstream servers or listen line to fill in")
    return text


def start(app_dir: Path = server.APP_DIR, port: int | None = None, processes: int | None = None,
          host: str = "127.0.0.1", log_dir: Path | None = None,
          env_per_process: list[dict[str, str]] | None = None) -> Meeting:
    """`processes` (default: one per core) app processes of the checkout `app_dir` (its serve.py, or its
    app.py when it has none) and nginx in front on `host:port`; returns when all answer their health check."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed: `make meeting` installs Debian's nginx-light")
    processes = processes or os.cpu_count() or 1
    port = port or server.free_port()
    script = app_dir / "serve.py" if (app_dir / "serve.py").exists() else app_dir / "app.py"
    prefix = Path(tempfile.mkdtemp(prefix="panprd-meeting-"))
    (prefix / "logs").mkdir()
    (prefix / "tmp").mkdir()
    logs = log_dir or prefix / "logs"
    apps = [server.start(script, logs, app_dir=app_dir, wait=False,
                         env_extra=(env_per_process or [{}] * processes)[i]) for i in range(processes)]
    (prefix / "nginx.conf").write_text(nginx_conf(f"{host}:{port}", [app.port for app in apps]), encoding="utf-8")
    proxy = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                             start_new_session=True)
    meeting = Meeting(apps, proxy, f"http://127.0.0.1:{port}", prefix)
    try:
        for app in apps:
            server.wait_healthy(app)
        deadline = time.monotonic() + server.START_TIMEOUT_S
        while not server.healthy(meeting.base_url):
            if proxy.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer on {meeting.base_url}: see {prefix}/logs/error.log")
            time.sleep(0.1)
    except BaseException:
        stop(meeting)
        raise
    return meeting


def stop(meeting: Meeting) -> None:
    """Stop nginx and every app process; remove nginx's temporary prefix."""
    server.stop_proc(meeting.nginx)
    for app in meeting.apps:
        server.stop(app)
    shutil.rmtree(meeting.prefix, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="app processes (default: cores)")
    parser.add_argument("--host", default="0.0.0.0", help="the address nginx listens on (default: every interface)")
    args = parser.parse_args()
    meeting = start(port=args.port, processes=args.processes, host=args.host,
                    log_dir=server.APP_DIR / "var" / "meeting-logs")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"the dashboard on http://<this host>:{args.port}/ ({args.processes} app processes behind nginx); "
          "Ctrl-C stops it", flush=True)
    try:
        while meeting.nginx.poll() is None and all(app.proc.poll() is None for app in meeting.apps):
            time.sleep(1)
        print("a process ended: stopping", file=sys.stderr)
        raise SystemExit(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(meeting)


if __name__ == "__main__":
    main()
