"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temporary data folder, a unix socket.

PostgreSQL refuses to run as root, and CI runs as root: then every server command runs as the
unprivileged `postgres` user that Debian's package creates (`runuser -u postgres -- pg_ctl ...`),
and the data folder is handed to that user. Run as anyone else, the commands run as that user.
The server listens on a unix socket only (in the data folder), so tests on one machine never
clash on a TCP port; the superuser is `postgres` with trust authentication on that socket.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SERVICE_USER = "postgres"  # created by Debian's postgresql-common


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries: `make db-deps` installs Debian's postgresql."""


def server_bindir() -> Path:
    """The folder of pg_ctl and initdb: Debian keeps them off PATH, in /usr/lib/postgresql/<major>/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise PostgresMissing("PostgreSQL server not installed (no pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
                              "`make db-deps` installs Debian's postgresql.")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    """One running (or stopped) server; `url()` gives SQLAlchemy URLs through its socket."""

    folder: Path
    port: int
    bindir: Path
    as_root: bool

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
                               f"\n{tail}")
        return result

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={self.port}"

    def start(self) -> None:
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=''"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """`mode="immediate"` kills the server without a clean shutdown, like a crash or a pulled cable."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-w", "-m", mode, "stop")

    def is_running(self) -> bool:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), "status"]
        if self.as_root:
            command = ["runuser", "-u", SERVICE_USER, "--", *command]
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0

    def destroy(self) -> None:
        if self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def create_cluster() -> Cluster:
    """initdb a new server in a temporary folder and start it.

    No fsync (the tests never crash the machine, only the server); synchronous_commit stays on, so a
    commit that returned survives `pg_ctl stop -m immediate`.
    """
    bindir = server_bindir()
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="panprd-pg-"))
    cluster = Cluster(folder=folder, port=_free_port(), bindir=bindir, as_root=as_root)
    if as_root:
        try:
            owner = pwd.getpwnam(SERVICE_USER)
        except KeyError:
            shutil.rmtree(folder)
            raise PostgresMissing(f"running as root, and no `{SERVICE_USER}` user to run the server as "
                                  "(Debian's postgresql package creates it: `make db-deps`).") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    try:
        cluster._run("initdb", "-D", str(cluster.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C", "--no-sync")
        with (cluster.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("fsync = off\nfull_page_writes = off\nmax_connections = 200\n")
        cluster.start()
    except BaseException:
        cluster.destroy()
        raise
    return cluster
