"""Denials across the whole API, driven by the OpenAPI schema so that a new operation is
covered the day it appears: anonymous callers, plain users on staff operations, and
session-authenticated writes without a CSRF token (docs/security.md, the matrix)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import client_for, error_of

pytestmark = pytest.mark.django_db

ANONYMOUS_OPERATIONS = {
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/password-reset"),  # anonymous by design: 202 for any address
}
UNSAFE = {"post", "put", "patch", "delete"}


def _operations() -> list[tuple[str, str, type | None]]:
    """(method, path with ids filled in, view class or None for hook-added ones)."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    views = {
        (path, method.lower()): callback.cls for path, _, method, callback in generator.endpoints
    }
    found = []
    for path, operations in schema["paths"].items():
        if path == "/ws/":  # a WebSocket upgrade: its refusals are in tests/realtime
            continue
        for method in operations:
            view = views.get((path, method)) or views.get((path.replace("{id}", "{pk}"), method))
            concrete = re.sub(r"\{\w+\}", "1", path.replace("{name}", "news"))
            found.append((method, concrete, view))
    return found


OPERATIONS = _operations()


def _beyond_sign_in(view: type | None) -> bool:
    permissions = getattr(view, "permission_classes", ())
    return any(permission not in (AllowAny, IsAuthenticated) for permission in permissions)


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p) for m, p, _ in OPERATIONS if (m, p) not in ANONYMOUS_OPERATIONS],
    ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS if (m, p) not in ANONYMOUS_OPERATIONS],
)
def test_every_operation_refuses_an_anonymous_caller_with_401(method, path):
    response = getattr(APIClient(), method)(path, {"timeout": "0"} if method == "get" else {})

    error_of(response, 401)


STAFF_OPERATIONS = [(m, p) for m, p, view in OPERATIONS if _beyond_sign_in(view)]


def test_the_staff_operations_are_the_expected_ones():
    assert sorted(STAFF_OPERATIONS) == [
        ("get", "/api/v1/deliveries"),
        ("get", "/api/v1/nodes"),
        ("post", "/api/v1/channels/news/publish"),
        ("post", "/api/v1/deliveries/1/retry"),
        ("post", "/api/v1/deliveries/retry-all"),
    ]


@pytest.mark.parametrize(("method", "path"), STAFF_OPERATIONS)
def test_staff_operations_refuse_a_plain_user_with_403(alice, method, path):
    response = getattr(client_for(alice), method)(path, {}, format="json")

    error_of(response, 403, "permission_denied")


SESSION_WRITES = [
    (m, p) for m, p, view in OPERATIONS if m in UNSAFE and (m, p) not in ANONYMOUS_OPERATIONS
]


@pytest.mark.parametrize(
    ("method", "path"), SESSION_WRITES, ids=[f"{m} {p}" for m, p in SESSION_WRITES]
)
def test_a_session_write_without_a_csrf_token_is_refused(alice, method, path):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)

    response = getattr(browser, method)(path, "{}", content_type="application/json")

    error = error_of(response, 403, "permission_denied")
    assert error["message"].startswith("CSRF Failed")


def test_a_session_write_with_the_csrf_token_passes_the_check(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get("/")  # sets the csrftoken cookie, as the app page does
    token = browser.cookies["csrftoken"].value

    response = browser.patch(
        "/api/v1/auth/me",
        '{"display_name": "A"}',
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 200


def test_a_token_client_needs_no_csrf_token(alice):
    client = client_for(alice)
    client.handler.enforce_csrf_checks = True

    assert client.patch("/api/v1/auth/me", {"display_name": "A"}, format="json").status_code == 200


def test_the_event_stream_grants_no_cross_origin_reads(alice):
    browser = Client()
    browser.force_login(alice)

    response = browser.get(
        "/api/v1/poll", {"timeout": "0"}, headers={"Origin": "https://evil.example"}
    )

    # Without Access-Control-Allow-Origin a page on another site cannot read what the
    # user's cookie fetched (django-eventstream adds it only when configured to).
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Credentials" not in response


def test_another_users_objects_do_not_exist_for_the_caller(world):
    mallory = UserFactory(username="mallory", password=None)
    client = client_for(mallory)
    subscription = client_for(world.bob).post(
        "/api/v1/notifications/push-subscriptions",
        {"endpoint": "https://push.example.com/bob", "keys": {"p256dh": "k", "auth": "a"}},
        format="json",
    )
    assert subscription.status_code == 201

    for response in (
        client.get(f"/api/v1/conversations/{world.direct.pk}"),
        client.get(f"/api/v1/messages/{world.message.pk}/receipts"),
        client.get(f"/api/v1/groups/{world.group.pk}"),
        client.delete(f"/api/v1/notifications/push-subscriptions/{subscription.json()['id']}"),
    ):
        error_of(response, 404)
