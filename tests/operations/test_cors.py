"""CORS: the REST API through the middleware, `/events/` and `/api/v1/poll` through the lean
handler (config/cors.py). The browser-side proof is tests/e2e/test_cross_origin.py."""

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from chat.actions import get_or_create_direct_conversation
from config.handlers import SyncChainASGIHandler
from config.routes import build_http_app
from realtime.asgi import RealtimeHandler
from tests.factories import UserFactory
from tests.operations.asgi import request

pytestmark = pytest.mark.django_db(transaction=True)

ALLOWED = "http://app.example.test:5173"
OTHER = "http://evil.example.test"


@pytest.fixture(autouse=True)
def _allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


def call(handler, method: str, path: str, *, headers: dict[str, str], body: bytes = b""):
    status, response_headers, _ = request(handler, method, path, headers=headers, body=body)
    return status, {name.decode(): value.decode() for name, value in response_headers.items()}


def preflight(handler, path: str, origin: str, headers: str):
    return call(
        handler,
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
    )


def test_api_preflight_allows_the_listed_origin_with_our_headers_and_no_credentials():
    status, headers = preflight(
        SyncChainASGIHandler(),
        "/api/v1/conversations/1/messages",
        ALLOWED,
        "authorization,content-type,idempotency-key",
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == ALLOWED
    allowed = headers["access-control-allow-headers"]
    for name in ("authorization", "content-type", "idempotency-key"):
        assert name in allowed
    assert "POST" in headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in headers


def test_api_preflight_from_an_unlisted_origin_gets_no_allow_origin():
    _, headers = preflight(SyncChainASGIHandler(), "/api/v1/auth/login", OTHER, "content-type")
    assert "access-control-allow-origin" not in headers


def test_api_answers_carry_allow_origin_and_expose_the_node_header(alice):
    token = str(RefreshToken.for_user(alice).access_token)
    status, headers = call(
        SyncChainASGIHandler(),
        "GET",
        "/api/v1/auth/me",
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {token}"},
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "X-Parley-Node" in headers["access-control-expose-headers"]
    assert "origin" in headers["vary"].lower()


def test_no_origins_are_allowed_by_default(settings):
    settings.CORS_ALLOWED_ORIGINS = []
    _, headers = preflight(SyncChainASGIHandler(), "/api/v1/auth/login", ALLOWED, "content-type")
    assert "access-control-allow-origin" not in headers


def test_pages_outside_the_api_get_no_cors_headers():
    _, headers = call(SyncChainASGIHandler(), "GET", "/health", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize("path", ["/events/", "/api/v1/poll"])
def test_lean_handler_answers_preflights_for_the_listed_origin(path):
    status, headers = preflight(RealtimeHandler(), path, ALLOWED, "authorization,last-event-id")
    assert status == 200
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "last-event-id" in headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize("path", ["/events/", "/api/v1/poll"])
def test_lean_handler_refusals_carry_allow_origin_so_the_page_can_read_them(path):
    status, headers = call(RealtimeHandler(), "GET", path, headers={"Origin": ALLOWED})
    assert status == 401
    assert headers["access-control-allow-origin"] == ALLOWED


def test_lean_poll_answers_the_listed_origin_and_not_another(alice):
    token = str(RefreshToken.for_user(alice).access_token)
    auth = {"Authorization": f"Bearer {token}"}
    status, headers = call(
        RealtimeHandler(), "GET", "/api/v1/poll", headers={"Origin": ALLOWED, **auth}
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == ALLOWED
    status, headers = call(
        RealtimeHandler(), "GET", "/api/v1/poll", headers={"Origin": OTHER, **auth}
    )
    assert status == 200  # the server answers; the browser refuses it to the page
    assert "access-control-allow-origin" not in headers


def test_the_lean_hot_path_answers_the_listed_origin_and_its_preflight_is_granted(alice):
    """Sends skip Django (config/lean.py); their preflight (OPTIONS) is Django's."""
    conversation, _ = get_or_create_direct_conversation(user=alice, other_id=UserFactory().pk)
    node = build_http_app(SyncChainASGIHandler())
    path = f"/api/v1/conversations/{conversation.pk}/messages"
    status, headers = preflight(node, path, ALLOWED, "authorization,content-type")
    assert status == 200 and headers["access-control-allow-origin"] == ALLOWED

    token = str(RefreshToken.for_user(alice).access_token)
    send = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = b'{"body": "hi", "client_id": "6f1c2a8e-2f4b-4a51-9d5e-6a0c7b3e9f11"}'
    status, headers = call(node, "POST", path, headers={"Origin": ALLOWED, **send}, body=body)
    assert status == 201
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "X-Parley-Node" in headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in headers

    status, headers = call(node, "POST", path, headers={"Origin": OTHER, **send}, body=body)
    assert status == 200  # the same client_id again: the same message
    assert "access-control-allow-origin" not in headers
