"""Chat essentials on the embedded default: SQLite (LIKE search), files on disk via Django."""

import io
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from PIL import Image

from tests.embedded.conftest import bare_env, embedded_node

pytestmark = pytest.mark.embedded


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "orange").save(out, format="PNG")
    return out.getvalue()


def test_replies_mentions_reactions_files_and_search_work_on_sqlite(bare_checkout: Path):
    checkout = bare_checkout
    env = bare_env(checkout)
    python = sys.executable
    for args in (("migrate", "--noinput"), ("seed_demo",)):
        result = subprocess.run(
            [python, "manage.py", *args], cwd=checkout, env=env, capture_output=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    with embedded_node(checkout) as base:

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
