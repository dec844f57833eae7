"""Chat essentials on the embedded default: SQLite (LIKE search), files on disk via Django."""

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from PIL import Image

pytestmark = pytest.mark.embedded

PROJECT = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "db.sqlite3*", "__pycache__", "staticfiles", "var", "media", "artifacts"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "orange").save(out, format="PNG")
    return out.getvalue()


def test_replies_mentions_reactions_files_and_search_work_on_sqlite(tmp_path: Path):
    checkout = tmp_path / "parley"
    shutil.copytree(PROJECT, checkout, ignore=SKIP)
    env = {"PATH": os.environ["PATH"], "HOME": str(checkout)}
    python = sys.executable
    for args in (("migrate", "--noinput"), ("seed_demo",)):
        result = subprocess.run(
            [python, "manage.py", *args], cwd=checkout, env=env, capture_output=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.2)

        def login(username: str) -> dict:
            response = httpx.post(
                f"{base}/api/v1/auth/login",
                json={"username": username, "password": "parley-demo-2026"},
                timeout=10,
            )
            return {"Authorization": f"Bearer {response.json()['access']}"}

        alice, bob = login("alice"), login("bob")
        conversations = httpx.get(f"{base}/api/v1/conversations", headers=alice).json()
        direct = next(row for row in conversations["results"] if row["kind"] == "direct")
        first = direct["last_message"]
        upload = httpx.post(
            f"{base}/api/v1/conversations/{direct['id']}/attachments",
            files={"file": ("sunset.png", _png())},
            headers=alice,
            timeout=10,
        )
        assert upload.status_code == 201, upload.text
        sent = httpx.post(
            f"{base}/api/v1/conversations/{direct['id']}/messages",
            json={
                "body": "look @BOB, a zebra sunset",
                "client_id": str(uuid.uuid4()),
                "reply_to": first["id"],
                "attachment_ids": [upload.json()["id"]],
            },
            headers=alice,
            timeout=10,
        )
        assert sent.status_code == 201, sent.text
        message = sent.json()
        assert message["reply_to"]["id"] == first["id"]
        assert len(message["mentions"]) == 1 and message["attachments"][0]["name"] == "sunset.png"

        reacted = httpx.put(
            f"{base}/api/v1/messages/{message['id']}/reactions/{quote('🎉')}", headers=bob
        )
        assert reacted.json()["reactions"] == [{"emoji": "🎉", "count": 1, "me": True}]
        picture = httpx.get(f"{base}{message['attachments'][0]['url']}", headers=bob)
        assert picture.status_code == 200 and picture.content == _png()
        found = httpx.get(f"{base}/api/v1/search/messages", params={"q": "ZEBRA"}, headers=bob)
        (hit,) = found.json()["results"]
        assert hit["message"]["id"] == message["id"]
        assert "<mark>zebra</mark>" in hit["highlight"]
    finally:
        server.terminate()
        server.wait(timeout=10)
