"""A Parley deployment to benchmark: N daphne processes, optionally behind nginx, or one that
already runs (`--url`).

Nodes are started as in production (docker/entrypoint.sh: `python -m config.serve`, which runs
`python -m config.daphne ... --proxy-headers -v 0 config.asgi:application`) with DEBUG=0 and
LOG_LEVEL=WARNING, the benchmark throttles, and PostgreSQL/Redis from DATABASE_URL/REDIS_URL.
nginx, when asked for, is rendered from the one template the tests and docker use
(tests/servers.py).

    .venv/bin/python -m bench.deploy --nodes 2 --nginx     # runs until Ctrl-C, prints its URLs
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

from bench.common import raise_nofile
from config import serve

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(PROJECT_ROOT / ".venv" / "bin" / "python")
LOCALHOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/parley_d"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"
# Only for loopback benchmarks; seeded tokens are signed with it, so the nodes must share it.
DEFAULT_SECRET_KEY = "parley-bench-only-secret-key-0f3c9a7e51d24b88a6c1"

BENCH_ENV = {
    "DEBUG": "0",
    "LOG_LEVEL": "WARNING",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "THROTTLE_SEND": "100000/min",
    "THROTTLE_AUTH_IP": "100000/min",
    "THROTTLE_AUTH_USERNAME": "100000/min",
    "THROTTLE_TYPING": "100000/min",
    # The benchmark measures the process, not the configured cap.
    "SSE_MAX_STREAMS_PER_NODE": "1000000",
    "SHUTDOWN_GRACE_SECONDS": "1",
    "PYTHONUNBUFFERED": "1",
}


@dataclass
class Node:
    name: str
    url: str
    pid: int | None
    process: subprocess.Popen | None = None
    log_path: Path | None = None


@dataclass
class Deployment:
    """Where the load goes (`url`) and the daphne processes behind it (`nodes`)."""

    url: str
    nodes: list[Node]
    proxy: object | None = None
    redis: object | None = None
    redis_url: str = ""
    postgres: object | None = None
    database_url: str = ""
    owned: bool = False
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def pids(self) -> list[int]:
        return [node.pid for node in self.nodes if node.pid]

    def describe(self) -> dict:
        return {
            "url": self.url,
            "nginx": self.proxy is not None,
            "nodes": [{"name": n.name, "url": n.url, "pid": n.pid} for n in self.nodes],
            "started_by_bench": self.owned,
            "settings": self.settings,
        }

    def stop(self) -> None:
        if not self.owned:
            return
        if self.proxy is not None:
            self.proxy.stop()
        self._stop_nodes()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()

    def _stop_nodes(self) -> None:
        for node in self.nodes:
            if node.process and node.process.poll() is None:
                node.process.send_signal(signal.SIGTERM)
        for node in self.nodes:
            if node.process is None:
                continue
            try:
                node.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait(timeout=10)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        timeout=300,
    )


def node_env(*, database_url: str, redis_url: str, secret_key: str, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BENCH_ENV)
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secret_key,
            "NODE_ID": name,
        }
    )
    return env


def daphne_command(port: int, *, backlog: int | None, proxy_headers: bool) -> list[str]:
    """One node's daphne command, with the production flags of config.serve (the launcher of
    WEB_CONCURRENCY processes per host); `backlog` None keeps Twisted's default of 50."""
    if backlog:
        (command,) = serve.commands(port=port, processes=1, interface=LOCALHOST, backlog=backlog)
        return command
    # `-b/-p` gives Twisted's default listen backlog of 50.
    extra = ["--proxy-headers"] if proxy_headers else []
    return [
        PYTHON,
        "-m",
        "config.daphne",
        "-b",
        LOCALHOST,
        "-p",
        str(port),
        *extra,
        "-v",
        "0",
        "config.asgi:application",
    ]


def wait_healthy(node: Node, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"{node.name} exited; see {node.log_path}")
            try:
                response = client.get(f"{node.url}/health")
                if response.status_code == 200:
                    return
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.TransportError as exc:
                last = type(exc).__name__
            time.sleep(0.2)
    raise TimeoutError(f"{node.name} not healthy in {timeout}s (last: {last}); see {node.log_path}")


def start_deployment(
    *,
    nodes: int = 1,
    nginx: bool = False,
    backlog: int | None = None,
    database_url: str = DEFAULT_DATABASE_URL,
    redis_url: str = DEFAULT_REDIS_URL,
    secret_key: str = DEFAULT_SECRET_KEY,
    run_migrate: bool = True,
    private_redis: bool = False,
    private_postgres: bool = False,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
) -> Deployment:
    """Start `nodes` daphne processes (and nginx in front when asked) and wait until healthy.

    `private_redis` starts a redis-server of its own on a free port: Redis pub/sub channels
    are server-wide (not per database number), so with the pub/sub channel layer every
    deployment on a shared Redis receives the others' events for the same channel names.
    `private_postgres` likewise runs a PostgreSQL cluster of its own (bench/services.py).
    """
    raise_nofile()
    log_dir = Path(log_dir or tempfile.mkdtemp(prefix="parley-bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    redis = None
    if private_redis:
        sys.path.insert(0, str(PROJECT_ROOT))
        from tests.servers import RedisServer

        redis = RedisServer(log_dir=log_dir).start()
        redis_url = redis.url
    postgres = None
    if private_postgres:
        from bench.services import PrivatePostgres

        postgres = PrivatePostgres().start()
        database_url = postgres.url
    base_env = node_env(
        database_url=database_url, redis_url=redis_url, secret_key=secret_key, name="bench"
    )
    started: list[Node] = []
    deployment = Deployment(
        url="",
        nodes=started,
        owned=True,
        redis=redis,
        redis_url=redis_url,
        postgres=postgres,
        database_url=database_url,
    )
    try:
        if run_migrate:
            migrate(base_env)
        for index in range(nodes):
            name = f"bench-{index + 1}"
            port = free_port()
            env = {**base_env, "NODE_ID": name, **(extra_env or {})}
            log_path = log_dir / f"{name}.log"
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    daphne_command(port, backlog=backlog, proxy_headers=nginx),
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            started.append(Node(name, f"http://{LOCALHOST}:{port}", process.pid, process, log_path))
        for node in started:
            wait_healthy(node)
        deployment.url = started[0].url
        if nginx:
            from bench.services import start_nginx

            deployment.proxy = start_nginx([n.url.removeprefix("http://") for n in started])
            deployment.url = deployment.proxy.url
    except BaseException:
        deployment.stop()
        raise
    deployment.settings = {
        "nodes": str(nodes),
        "nginx": str(nginx),
        "listen_backlog": str(backlog or 50),
        "database_url": database_url,
        "redis_url": redis_url,
        "private_redis": str(private_redis),
        "private_postgres": str(private_postgres),
        "log_dir": str(log_dir),
        **{k: v for k, v in BENCH_ENV.items() if k != "PYTHONUNBUFFERED"},
        **(extra_env or {}),
    }
    return deployment


def daphne_pids_for_port(port: int) -> list[int]:
    """daphne processes whose command line binds `port` (`-p PORT`, `--port PORT`, `port=PORT`)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv if a]
        if "daphne" not in " ".join(args):
            continue
        for i, arg in enumerate(args):
            if (
                (arg in ("-p", "--port") and i + 1 < len(args) and args[i + 1] == str(port))
                or f"port={port}:" in arg
                or arg.endswith(f"port={port}")
            ):
                found.append(int(entry.name))
    return found


def attach_deployment(url: str, *, pids: list[int] | None = None) -> Deployment:
    """A deployment someone else started; daphne PIDs from `pids` or found by the URL's port."""
    url = url.rstrip("/")
    if not pids:
        port = urlparse(url).port or 80
        pids = daphne_pids_for_port(port)
        if not pids:
            print(
                f"warning: no daphne process listens on port {port} by its command line; "
                "pass --pids for server RSS/CPU figures",
                file=sys.stderr,
            )
    nodes = [Node(f"pid-{pid}", url, pid) for pid in pids]
    return Deployment(url=url, nodes=nodes, owned=False, settings={"url": url})


def add_target_arguments(parser: argparse.ArgumentParser, *, default_nodes: int = 1) -> None:
    group = parser.add_argument_group("deployment")
    group.add_argument("--url", help="use this running deployment instead of starting one")
    group.add_argument("--pids", help="comma-separated daphne PIDs behind --url (for RSS/CPU)")
    group.add_argument("--nodes", type=int, default=default_nodes, help="daphne processes")
    group.add_argument("--nginx", action="store_true", help="put nginx in front of the nodes")
    group.add_argument(
        "--backlog",
        type=int,
        default=1024,
        help="listen backlog (default: 1024, as docker/entrypoint.sh; 0 for daphne's own 50)",
    )
    group.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    )
    group.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)
    group.add_argument("--secret-key", default=os.environ.get("SECRET_KEY") or DEFAULT_SECRET_KEY)
    group.add_argument("--no-migrate", action="store_true", help="skip manage.py migrate")
    group.add_argument(
        "--private-redis",
        action="store_true",
        help="start a redis-server of its own (pub/sub is shared across database numbers)",
    )
    group.add_argument(
        "--private-postgres",
        action="store_true",
        help="start a PostgreSQL cluster of its own (connection limits not shared)",
    )
    group.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="extra node settings"
    )


def deployment_from_args(args: argparse.Namespace) -> Deployment:
    if args.url:
        pids = [int(p) for p in args.pids.split(",")] if args.pids else None
        return attach_deployment(args.url, pids=pids)
    extra = dict(item.split("=", 1) for item in args.env)
    deployment = start_deployment(
        nodes=args.nodes,
        nginx=args.nginx,
        backlog=args.backlog,
        database_url=args.database_url,
        redis_url=args.redis_url,
        secret_key=args.secret_key,
        run_migrate=not args.no_migrate,
        private_redis=args.private_redis,
        private_postgres=args.private_postgres,
        extra_env=extra,
    )
    # Seeding and counting use the same database and Redis as the nodes.
    args.redis_url = deployment.redis_url
    args.database_url = deployment.database_url
    return deployment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_target_arguments(parser)
    args = parser.parse_args()
    args.url = None
    deployment = deployment_from_args(args)
    print(json.dumps(deployment.describe(), indent=2), flush=True)
    print("running; Ctrl-C stops it", flush=True)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        while not stop["now"]:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        deployment.stop()


if __name__ == "__main__":
    main()
