"""Real processes for multi-node tests: daphne nodes, a throwaway Redis, and nginx.

A pytest plugin (`pytest_plugins = ["tests.servers"]` in tests/conftest.py). Everything it starts
is a real process on a free loopback port, with its output in a log file under the test's tmp
dir; a failure to start raises with the tail of that log.

    def test_two_nodes(daphne_nodes, nginx_proxy):
        one, two = daphne_nodes("one"), daphne_nodes("two", SSE_HEARTBEAT_SECONDS="1")
        proxy = nginx_proxy([one, two])
        httpx.get(f"{proxy.url}/health")

Nodes see the pytest-django test database, so the fixture needs `transactional_db`: rows a
test creates must be committed before another process can read them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.waiting import wait_until

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = PROJECT_ROOT / "docker" / "nginx" / "parley.conf.template"
NGINX_BINARY = "/usr/sbin/nginx"
LOCALHOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def metric_sum(metrics_text: str, name: str) -> float:
    """The sum of a Prometheus series over its labels, from a /metrics body (0 if absent)."""
    values = re.findall(rf"^{name}(?:{{[^}}]*}})? (\S+)$", metrics_text, re.M)
    return sum(float(value) for value in values)


def log_tail(path: Path, *, lines: int = 40) -> str:
    """The last `lines` lines of a log file, for failure messages."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def database_url_from_settings() -> str:
    """A DATABASE_URL for the database Django is connected to now (the test db under pytest)."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        name = str(db["NAME"])
        if name in ("", ":memory:") or name.startswith("file:memorydb"):
            raise RuntimeError("an in-memory SQLite test database cannot be shared with a node")
        return f"sqlite:///{name}"
    if not engine.endswith("postgresql"):
        raise RuntimeError(f"unsupported database engine for nodes: {engine}")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or LOCALHOST
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{db['NAME']}"


def _wait_for_port(port: int, *, timeout: float, alive: Callable[[], bool], what: str) -> None:
    def listening() -> bool:
        if not alive():
            raise RuntimeError(f"{what} exited before listening on {port}")
        try:
            with socket.create_connection((LOCALHOST, port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(listening, what=f"{what} to listen on {port}", timeout=timeout, interval=0.05)


class DaphneNode:
    """One Parley node: `python -m config.daphne config.asgi:application` on a free port."""

    def __init__(
        self,
        name: str,
        *,
        log_dir: Path,
        database_url: str,
        redis_url: str | None = None,
        port: int | None = None,
        env_overrides: dict[str, str] | None = None,
        daphne_args: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.daphne_args = list(daphne_args)
        self.port = port or free_port()
        self.url = f"http://{LOCALHOST}:{self.port}"
        self.address = f"{LOCALHOST}:{self.port}"
        self.log_path = Path(log_dir) / f"daphne-{name}.log"
        self.process: subprocess.Popen | None = None
        self.env = dict(os.environ)
        self.env.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url
                if redis_url is not None
                else os.environ.get("REDIS_URL", ""),
                "NODE_ID": name,
                "DEBUG": "1",
                "PYTHONUNBUFFERED": "1",
                # The suite runs many nodes on a shared, busy machine: a node must not shed
                # the tests' requests (tests/chat/test_hot_path.py sets the limits it tests).
                "NODE_MAX_IN_FLIGHT": "100000",
                "NODE_MAX_QUEUE_WAIT_MS": "30000",
            }
        )
        # pytest-env sets these for the test process; a node must not inherit pytest's own.
        self.env.pop("PYTEST_CURRENT_TEST", None)
        self.env.update({key: str(value) for key, value in (env_overrides or {}).items()})

    @property
    def pid(self) -> int:
        assert self.process is not None, f"node {self.name} was never started"
        return self.process.pid

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> DaphneNode:
        """Spawn the process (does not wait for it; call `wait_ready`)."""
        if self.is_running():
            raise RuntimeError(f"node {self.name} is already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "config.daphne",
                    "-b",
                    LOCALHOST,
                    "-p",
                    str(self.port),
                    *self.daphne_args,
                    "config.asgi:application",
                ],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        return self

    def wait_ready(self, timeout: float = 30.0, *, path: str = "/health") -> DaphneNode:
        """Poll `path` until it answers 200; raise with the log tail if the process died.

        /health is 503 while the database or Redis is down; a node started while its Redis is
        stopped can be awaited on another path that needs neither.
        """
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.is_running():
                    code = self.process.returncode if self.process else None
                    raise RuntimeError(
                        f"node {self.name} exited with {code} before it was ready; "
                        f"log {self.log_path}:\n{self.log_tail()}"
                    )
                try:
                    response = client.get(f"{self.url}{path}")
                    if response.status_code == 200:
                        return self
                    last = f"{response.status_code} {response.text[:300]}"
                except httpx.TransportError as exc:
                    last = type(exc).__name__
                time.sleep(0.1)
        raise TimeoutError(
            f"node {self.name} was not healthy within {timeout}s (last: {last}); "
            f"log {self.log_path}:\n{self.log_tail()}"
        )

    def terminate(self, timeout: float = 15.0) -> int | None:
        """SIGTERM (graceful drain), then wait; returns the exit code, None if it still runs."""
        if not self.is_running():
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> int | None:
        """SIGKILL: the node dies at once, as in a crash."""
        if not self.is_running():
            return self.process.returncode if self.process else None
        self.process.kill()
        return self.process.wait(timeout=10)

    def stop(self) -> None:
        """Terminate, and kill if it will not go."""
        if self.terminate() is None:
            self.kill()

    def metric(self, name: str) -> float:
        """The sum of a series over its labels, from this node's /metrics."""
        return metric_sum(httpx.get(f"{self.url}/metrics", timeout=5).text, name)

    def rss_bytes(self) -> int:
        """Resident memory of the node process, from /proc/<pid>/status (VmRSS)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for pid {self.pid}")

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines=lines)

    def __repr__(self) -> str:
        return f"<DaphneNode {self.name} {self.url} running={self.is_running()}>"


class RedisServer:
    """A throwaway `redis-server` without persistence, for tests that stop and restart Redis."""

    def __init__(self, *, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://{LOCALHOST}:{self.port}/0"
        self.log_path = Path(log_dir) / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start on `self.port` and wait until it accepts connections."""
        if self.is_running():
            return self
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    LOCALHOST,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.log_path.parent),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        try:
            _wait_for_port(self.port, timeout=timeout, alive=self.is_running, what="redis-server")
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; log:\n{log_tail(self.log_path)}") from exc
        return self

    def stop(self) -> None:
        """Stop at once (SIGKILL): connected clients see the connection drop."""
        if self.is_running():
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self, *, down_for: float = 0.0) -> RedisServer:
        """Stop, optionally stay down `down_for` seconds, and start again on the same port."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        return self.start()

    def __repr__(self) -> str:
        return f"<RedisServer {self.url} running={self.is_running()}>"


def render_nginx_site(
    *,
    upstreams: Sequence[str],
    listen: str,
    static_root: Path,
    access_log: Path,
    media_root: Path | None = None,
) -> str:
    """docker/nginx/parley.conf.template with its placeholders filled, as envsubst would."""
    servers = "\n    ".join(
        # Mark a node failed at its first refused connection and retry it after 2 s, so a
        # killed node costs one retried connect, not one per request.
        f"server {address} max_fails=1 fail_timeout=2s;"
        for address in upstreams
    )
    text = NGINX_TEMPLATE.read_text()
    for placeholder, value in {
        "${PARLEY_UPSTREAMS}": servers,
        "${PARLEY_LISTEN}": listen,
        "${PARLEY_STATIC_ROOT}": str(static_root).rstrip("/"),
        "${PARLEY_ACCESS_LOG}": str(access_log),
        "${PARLEY_MEDIA_ROOT}": str(media_root or static_root.parent / "media").rstrip("/"),
    }.items():
        if placeholder not in text:
            raise RuntimeError(f"{NGINX_TEMPLATE} lost its {placeholder} placeholder")
        text = text.replace(placeholder, value)
    return text


class NginxProxy:
    """nginx (the Debian binary) in front of `upstreams`, configured from docker/nginx/."""

    def __init__(
        self,
        upstreams: Sequence[str | DaphneNode],
        *,
        work_dir: Path | None = None,
        port: int | None = None,
        static_root: Path | None = None,
        media_root: Path | None = None,
    ) -> None:
        self.upstreams = [u.address if isinstance(u, DaphneNode) else u for u in upstreams]
        if not self.upstreams:
            raise ValueError("nginx needs at least one upstream")
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="parley-nginx-"))
        self.port = port or free_port()
        self.url = f"http://{LOCALHOST}:{self.port}"
        self.static_root = Path(static_root or self.work_dir / "static")
        self.media_root = Path(media_root or self.work_dir / "media")
        self.conf_path = self.work_dir / "nginx.conf"
        self.site_path = self.work_dir / "parley.conf"
        self.log_path = self.work_dir / "error.log"
        self.access_log_path = self.work_dir / "access.log"
        self.process: subprocess.Popen | None = None

    def write_config(self) -> Path:
        """Render the site from the template and a main nginx.conf that keeps all in work_dir."""
        for folder in ("temp/body", "temp/proxy", "temp/fastcgi", "temp/uwsgi", "temp/scgi"):
            (self.work_dir / folder).mkdir(parents=True, exist_ok=True)
        self.static_root.mkdir(parents=True, exist_ok=True)
        self.site_path.write_text(
            render_nginx_site(
                upstreams=self.upstreams,
                listen=f"{LOCALHOST}:{self.port}",
                static_root=self.static_root,
                access_log=self.access_log_path,
                media_root=self.media_root,
            )
        )
        work = self.work_dir
        # As root, workers would switch to `nobody` and lose access to pytest's 0700 tmp dirs.
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf_path.write_text(
            f"""{user}worker_processes 1;
pid {work}/nginx.pid;
error_log {self.log_path} info;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.access_log_path};
    client_body_temp_path {work}/temp/body;
    proxy_temp_path {work}/temp/proxy;
    fastcgi_temp_path {work}/temp/fastcgi;
    uwsgi_temp_path {work}/temp/uwsgi;
    scgi_temp_path {work}/temp/scgi;
    include {self.site_path};
}}
"""
        )
        return self.conf_path

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> NginxProxy:
        """Test the config (`nginx -t`), start in the foreground and wait for the port."""
        self.write_config()
        command = [
            NGINX_BINARY,
            "-c",
            str(self.conf_path),
            "-p",
            str(self.work_dir),
            "-e",
            str(self.log_path),
        ]
        check = subprocess.run(
            [*command, "-t"], capture_output=True, text=True, timeout=30, check=False
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx rejected its config:\n{check.stderr}")
        self.process = subprocess.Popen(
            [*command, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        try:
            _wait_for_port(self.port, timeout=timeout, alive=self.is_running, what="nginx")
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; log:\n{log_tail(self.log_path)}") from exc
        return self

    def stop(self) -> None:
        """Fast shutdown (SIGTERM), then kill."""
        if not self.is_running():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines=lines)

    def __repr__(self) -> str:
        return f"<NginxProxy {self.url} -> {', '.join(self.upstreams)}>"


def nginx_available() -> bool:
    return os.access(NGINX_BINARY, os.X_OK)


# --- Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def daphne_nodes(transactional_db, tmp_path: Path) -> Iterator[Callable[..., DaphneNode]]:
    """Factory: `start_node(name, **env_overrides) -> DaphneNode`, started and healthy.

    Nodes use the test database and `REDIS_URL` (override it per node with REDIS_URL=...).
    `wait=False` returns the node right after spawning; `daphne_args` adds daphne options
    (e.g. `("-v", "0")`). All are stopped at teardown.
    """
    database_url = database_url_from_settings()
    started: list[DaphneNode] = []

    def start_node(
        name: str, *, wait: bool = True, daphne_args: Sequence[str] = (), **env_overrides: str
    ) -> DaphneNode:
        redis_url = env_overrides.pop("REDIS_URL", None)
        node = DaphneNode(
            name,
            log_dir=tmp_path,
            database_url=database_url,
            redis_url=redis_url,
            env_overrides=env_overrides,
            daphne_args=daphne_args,
        )
        started.append(node)
        node.start()
        if wait:
            node.wait_ready()
        return node

    yield start_node

    for node in started:
        if node.is_running():
            node.process.send_signal(signal.SIGTERM)
    for node in started:
        if node.process is None:
            continue
        try:
            node.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            node.kill()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server on a free port (started); stop/restart it freely."""
    server = RedisServer(log_dir=tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def nginx_proxy(tmp_path: Path) -> Iterator[Callable[..., NginxProxy]]:
    """Factory: `start_proxy(upstreams, *, static_root=None, media_root=None) -> NginxProxy`.

    `upstreams` are DaphneNodes or "host:port" strings. Skips the test when nginx is absent.
    """
    if not nginx_available():
        pytest.skip(f"nginx is not installed at {NGINX_BINARY} (scripts/services.sh installs it)")
    proxies: list[NginxProxy] = []

    def start_proxy(
        upstreams: Sequence[str | DaphneNode],
        *,
        static_root: Path | None = None,
        media_root: Path | None = None,
    ) -> NginxProxy:
        work_dir = tmp_path / f"nginx-{len(proxies)}"
        proxy = NginxProxy(
            upstreams, work_dir=work_dir, static_root=static_root, media_root=media_root
        )
        proxies.append(proxy)
        return proxy.start()

    yield start_proxy

    for proxy in proxies:
        proxy.stop()


class PostgresServer:
    """A throwaway PostgreSQL cluster on a free port, for tests that restart the database.

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
    """

    def __init__(self, *, port: int | None = None) -> None:
        self.port = port or free_port()
        # Not under pytest's tmp dir: the postgres user cannot enter root's private folders.
        self.work_dir = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.work_dir.chmod(0o755)
        self.data_dir = self.work_dir / "data"
        self.log_path = self.work_dir / "postgres.log"
        self.url = f"postgres://postgres@{LOCALHOST}:{self.port}/parley"
        bin_dirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bin_dirs:
            raise RuntimeError("PostgreSQL server binaries are not installed")
        self.bin_dir = bin_dirs[-1]

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> PostgresServer:
        self.data_dir.mkdir()
        self.log_path.touch()
        if os.geteuid() == 0:
            shutil.chown(self.data_dir, "postgres")
            shutil.chown(self.log_path, "postgres")
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start()
        self._run("createdb", "-h", LOCALHOST, "-p", str(self.port), "-U", "postgres", "parley")
        return self

    def start(self) -> PostgresServer:
        options = f"-p {self.port} -c listen_addresses={LOCALHOST} -k /tmp -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options,
                  "-w", "start")  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def __repr__(self) -> str:
        return f"<PostgresServer {self.url}>"


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    """A private, started PostgreSQL with an empty `parley` database; stop/start it freely."""
    server = PostgresServer().init()
    yield server
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop(mode="immediate")
    shutil.rmtree(server.work_dir, ignore_errors=True)
