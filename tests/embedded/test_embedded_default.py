"""The embedded default: no environment at all, SQLite, in-memory layer, one daphne process."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.embedded.conftest import bare_env, embedded_node

pytestmark = pytest.mark.embedded


def test_embedded_default_boots_on_sqlite_and_serves(bare_checkout: Path):
    env = bare_env(bare_checkout)
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

    with embedded_node(bare_checkout) as base:
        health = httpx.get(f"{base}/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["checks"]["database"] == "ok"
        login_page = httpx.get(f"{base}/login/", timeout=5)
        assert login_page.status_code == 200
        assert "csrfmiddlewaretoken" in login_page.text
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "alice", "password": "parley-demo-2026"},
            timeout=10,
        )
        assert login.status_code == 200
        # The hot writes on the lean path run their actions through the ORM on SQLite.
        api = httpx.Client(
            base_url=f"{base}/api/v1",
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
