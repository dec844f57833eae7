"""The embedded default: no environment at all, SQLite, in-memory layer, one daphne process."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.embedded

PROJECT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".venv", ".git", "db.sqlite3*", "__pycache__", "staticfiles", "var")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def bare_checkout(tmp_path: Path) -> Path:
    target = tmp_path / "parley"
    shutil.copytree(PROJECT, target, ignore=SKIP)
    return target


def test_embedded_default_boots_on_sqlite_and_serves(bare_checkout: Path):
    env = {"PATH": os.environ["PATH"], "HOME": str(bare_checkout)}
    python = sys.executable

    def manage(*args: str) -> str:
        result = subprocess.run(
            [python, "manage.py", *args],
            cwd=bare_checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("check")
    manage("migrate", "--noinput")
    assert "Demo logins" in manage("seed_demo")
    assert (bare_checkout / "db.sqlite3").exists()

    port = _free_port()
    server = subprocess.Popen(
        [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=bare_checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["checks"]["database"] == "ok"
        login_page = httpx.get(f"http://127.0.0.1:{port}/login/", timeout=5)
        assert login_page.status_code == 200
        assert "csrfmiddlewaretoken" in login_page.text
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            json={"username": "alice", "password": "parley-demo-2026"},
            timeout=10,
        )
        assert login.status_code == 200
        # The hot writes on the lean path run their actions through the ORM on SQLite.
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{port}/api/v1",
            headers={"Authorization": f"Bearer {login.json()['access']}"},
            timeout=10,
        )
        (chat, *_) = api.get("/conversations").json()["results"]
        sent = api.post(
            f"/conversations/{chat['id']}/messages",
            json={"body": "embedded hello", "client_id": "4b0d5c9e-2f0a-4a7e-9a51-0c8c9d1e2f3a"},
        )
        assert sent.status_code == 201, sent.text
        up_to = {"up_to": sent.json()["id"]}
        assert api.post(f"/conversations/{chat['id']}/delivered", json=up_to).status_code == 200
        assert api.post(f"/conversations/{chat['id']}/read", json=up_to).status_code == 200
        assert api.post(f"/conversations/{chat['id']}/typing").status_code == 204
        api.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
