"""config.serve: WEB_CONCURRENCY daphne processes on one host, each a node of its own."""

import os
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from config import serve
from tests.servers import PROJECT_ROOT, database_url_from_settings
from tests.waiting import wait_until

pytestmark = pytest.mark.multinode


def two_free_ports() -> int:
    """A port whose next one is free too."""
    for _ in range(50):
        with socket.socket() as first, socket.socket() as second:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            try:
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no two free ports in a row")


def test_web_concurrency_defaults_to_the_cores(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert serve.process_count() == (os.cpu_count() or 1)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert serve.process_count() == 3
    (command,) = serve.commands(port=9000, processes=1, interface="127.0.0.1", backlog=1024)
    assert "tcp:port=9000:interface=127.0.0.1:backlog=1024" in command
    assert command[-1] == "config.asgi:application"


def test_two_processes_answer_as_two_nodes_and_stop_together(transactional_db, tmp_path):
    port = two_free_ports()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_from_settings(),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "BIND_INTERFACE": "127.0.0.1",
        "NODE_ID": "host7",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "config.serve"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        nodes = set()

        def both_healthy() -> bool:
            for each in (port, port + 1):
                try:
                    answer = httpx.get(f"http://127.0.0.1:{each}/health", timeout=2)
                except httpx.TransportError:
                    continue
                if answer.status_code == 200:
                    nodes.add(answer.headers["X-Parley-Node"])
            return len(nodes) >= 2

        wait_until(
            both_healthy,
            what=lambda: f"two healthy nodes:\n{(tmp_path / 'serve.log').read_text()[-2000:]}",
            timeout=60,
            interval=0.2,
        )
        assert nodes == {"host7-0", "host7-1"}, (tmp_path / "serve.log").read_text()[-2000:]

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        for each in (port, port + 1):
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{each}/health", timeout=1)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
