"""Helpers test packages share: API clients that carry a token, sending a message through
the API, and the one error shape.

Fixtures live in conftest.py files; these are plain functions, imported where used.
"""

import uuid

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken


def bearer(access: str) -> APIClient:
    """An API client that sends `access` as its bearer token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def client_for(user) -> APIClient:
    """An API client signed in as `user` with a fresh access token."""
    return bearer(str(RefreshToken.for_user(user).access_token))


def post_message(client: APIClient, conversation, body: str = "hi", **fields):
    """POST a message to `conversation` as JSON, with a fresh `client_id` unless given."""
    return client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"body": body, "client_id": str(uuid.uuid4()), **fields},
        format="json",
    )


def error_of(response, status: int, code: str | None = None) -> dict:
    """The error of a `status` response, in the API's one error shape (and `code`, if given):
    {"error": {"code", "message", "fields"}} and nothing else."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    if code is not None:
        assert error["code"] == code, error
    return error
