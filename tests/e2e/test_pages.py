"""The web app's pages as HTTP: who may see them, the CSP header, the static modules."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from chat.actions import get_or_create_direct_conversation
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def test_app_page_forbids_inline_scripts_and_has_none(client, alice):
    client.force_login(alice)
    response = client.get("/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert 'type="module" src="/static/js/app.js"' in html


def test_login_and_signup_pages_carry_the_policy_without_inline_scripts(client):
    for path in ("/login/", "/signup/"):
        response = client.get(path)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert INLINE_SCRIPT.findall(response.content.decode()) == []


def test_api_responses_carry_the_policy_and_swagger_keeps_its_own_page(client, alice):
    client.force_login(alice)
    assert "script-src 'self'" in client.get("/api/v1/conversations")["Content-Security-Policy"]
    assert "Content-Security-Policy" not in client.get("/api/docs/")


def test_page_hands_the_caller_and_the_conversation_to_the_script(client, alice, bob):
    conversation, _ = get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    client.force_login(alice)
    html = client.get(f"/c/{conversation.pk}").content.decode()
    me = re.search(r'<script id="parley-me" type="application/json">(.*?)</script>', html)
    assert json.loads(me.group(1))["username"] == "alice"
    assert (
        f'<script id="parley-open-conversation" type="application/json">{conversation.pk}<' in html
    )


def test_app_pages_need_a_login(client):
    for path in ("/", "/c/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_node_dashboard_is_for_staff_only(client):
    client.force_login(UserFactory(is_staff=False))
    response = client.get("/ops/nodes")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

    client.force_login(UserFactory(is_staff=True))
    response = client.get("/ops/nodes")
    assert response.status_code == 200
    assert b'src="/static/js/ops.js"' in response.content


def test_every_module_is_served(client):
    for module in sorted(STATIC_JS.glob("*.js")):
        response = client.get(f"/static/js/{module.name}")
        assert response.status_code == 200, module.name
        assert "javascript" in response["Content-Type"]


def test_production_static_files_hash_the_modules_imports(tmp_path):
    """collectstatic (DEBUG=0 storage) rewrites relative imports to hashed names, no cycles."""
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "config.static_storage.ModuleAwareStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        # Only the web app's own files: the admin's and Swagger's would just add seconds.
        ignore = ["admin", "drf_spectacular_sidecar", "rest_framework", "django_eventstream"]
        call_command("collectstatic", "--noinput", verbosity=0, ignore_patterns=ignore)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    app = (tmp_path / manifest["js/app.js"]).read_text()
    hashed_api = Path(manifest["js/api.js"]).name
    assert re.search(r'from "\./controller\.[0-9a-f]{12}\.js";', app)
    thread = (tmp_path / manifest["js/thread.js"]).read_text()
    assert f'from "./{hashed_api}"' in (tmp_path / manifest["js/controller.js"]).read_text()
    assert 'from "./dom.js"' not in thread
