"""Services next to the nodes: nginx from the project's template, and a throwaway PostgreSQL
cluster for a benchmark deployment (`--private-postgres`).

On a machine where other work shares one PostgreSQL, a node that opens a connection per
request (Django under ASGI does) fails with "too many clients" once the others hold most of
`max_connections`; a cluster of its own measures Parley rather than the neighbours. It runs
as the `postgres` user from the Debian binaries, in a temporary directory, on a free port,
and is deleted when stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path("/usr/lib/postgresql/15/bin")
LOCALHOST = "127.0.0.1"
DATABASE = "parley_bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def _as_postgres() -> dict:
    """Popen arguments that drop to the postgres user: initdb and postgres refuse root."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres", "extra_groups": [], "cwd": "/"}


class PrivatePostgres:
    def __init__(self, *, max_connections: int = 400) -> None:
        self.port = _free_port()
        self.max_connections = max_connections
        self.data_dir = Path(tempfile.mkdtemp(prefix="parley-bench-pg-"))
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        self.process: subprocess.Popen | None = None
        self.url = f"postgres://postgres@{LOCALHOST}:{self.port}/{DATABASE}"

    def start(self, timeout: float = 60.0) -> PrivatePostgres:
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, "postgres", "postgres")
        subprocess.run(
            [
                str(BIN / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
            **_as_postgres(),
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-c",
                    f"listen_addresses={LOCALHOST}",
                    "-c",
                    f"unix_socket_directories={self.data_dir}",
                    "-c",
                    f"max_connections={self.max_connections}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                **_as_postgres(),
            )
        self._wait_ready(timeout)
        import psycopg

        admin = f"postgres://postgres@{LOCALHOST}:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE}")
        return self

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        admin = f"postgres://postgres@{LOCALHOST}:{self.port}/postgres"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"private PostgreSQL exited; see {self.log_path}")
            try:
                with psycopg.connect(admin, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                time.sleep(0.2)
        raise TimeoutError(f"private PostgreSQL not ready in {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start_nginx(upstreams: list[str]) -> object:
    """nginx from docker/nginx/parley.conf.template via tests/servers.py, sized for many streams."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from tests.servers import NginxProxy

    class BenchNginx(NginxProxy):
        # The test harness sizes nginx for a handful of clients; a stream costs it two sockets.
        def write_config(self) -> Path:
            path = super().write_config()
            text = path.read_text().replace("worker_connections 4096;", "worker_connections 65536;")
            text = text.replace(
                "worker_processes 1;", "worker_processes 1;\nworker_rlimit_nofile 200000;"
            )
            path.write_text(text.replace("access_log ", "access_log off; #", 1))
            return path

    return BenchNginx(upstreams).start()
