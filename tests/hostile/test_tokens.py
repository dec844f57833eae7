"""Stolen, replayed and forged tokens.

Refresh tokens rotate and the used one is blacklisted (SIMPLE_JWT ROTATE_REFRESH_TOKENS and
BLACKLIST_AFTER_ROTATION): a replay is a 401, however often it is tried. Access tokens are
stateless and live ACCESS_TOKEN_LIFETIME; the REST API checks the user on every request.
"""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.factories import UserFactory
from tests.helpers import bearer, error_of

pytestmark = pytest.mark.django_db

REFRESH = "/api/v1/auth/refresh"
AUTHENTICATED_READS = [
    "/api/v1/auth/me",
    "/api/v1/users",
    "/api/v1/conversations",
    "/api/v1/groups",
    "/api/v1/notifications",
    "/api/v1/notifications/unread-count",
    "/api/v1/notifications/preferences",
]


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh": token}, format="json")


def test_a_refresh_token_replayed_after_rotation_stays_refused(alice):
    stolen = str(RefreshToken.for_user(alice))
    first = refresh(stolen)
    assert first.status_code == 200
    rotated = first.json()["refresh"]

    replays = [refresh(stolen) for _ in range(3)]
    successor = refresh(rotated)

    for replay in replays:
        error_of(replay, 401, "token_not_valid")
    assert successor.status_code == 200
    # The successor was rotated in turn: it cannot be used a second time either.
    error_of(refresh(rotated), 401, "token_not_valid")


def test_a_blacklisted_refresh_token_is_refused(alice):
    token = RefreshToken.for_user(alice)
    token.blacklist()  # what revoking a session (admin: token blacklist) does

    error_of(refresh(str(token)), 401, "token_not_valid")


def test_an_access_token_cannot_refresh_and_a_refresh_token_cannot_authenticate(alice):
    pair = RefreshToken.for_user(alice)

    error_of(refresh(str(pair.access_token)), 401, "token_not_valid")
    error_of(bearer(str(pair)).get("/api/v1/auth/me"), 401)


@pytest.mark.parametrize("path", AUTHENTICATED_READS)
def test_the_access_token_of_a_deactivated_user_is_refused(path):
    user = UserFactory(username="leaver", password=None)
    pair = RefreshToken.for_user(user)
    assert bearer(str(pair.access_token)).get(path).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])

    error_of(bearer(str(pair.access_token)).get(path), 401)
    # Nor can the refresh token mint a new access token: the stream endpoints, which trust
    # an access token without a database read, are bounded by ACCESS_TOKEN_LIFETIME.
    error_of(refresh(str(pair)), 401)


def test_the_tokens_of_a_deleted_user_are_refused():
    user = UserFactory(username="deleted", password=None)
    pair = RefreshToken.for_user(user)
    user.delete()

    error_of(bearer(str(pair.access_token)).get("/api/v1/auth/me"), 401)
    error_of(refresh(str(pair)), 401)


def _forged(alice, *, key: str, algorithm: str, **claims) -> str:
    genuine = AccessToken.for_user(alice)
    payload = {**genuine.payload, **claims}
    if algorithm == "none":
        return jwt.encode(payload, key=None, algorithm="none")
    return jwt.encode(payload, key=key, algorithm=algorithm)


# Forging with the real key under HS512 is meant to be weak: PyJWT says so.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize(
    "forge",
    [
        lambda alice: _forged(alice, key="", algorithm="none"),
        lambda alice: _forged(alice, key="guessed-secret", algorithm="HS256"),
        lambda alice: _forged(alice, key=settings.SECRET_KEY, algorithm="HS512"),
        lambda alice: _forged(
            alice,
            key=settings.SECRET_KEY,
            algorithm="HS256",
            exp=int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).timestamp()),
        ),
        lambda alice: str(AccessToken.for_user(alice))[:-4] + "AAAA",  # a flipped signature
        lambda alice: "Bearer",
        lambda alice: "a" * 10_000,
    ],
    ids=["alg-none", "wrong-key", "other-algorithm", "expired", "bad-signature", "word", "huge"],
)
def test_forged_access_tokens_are_refused_by_the_api_and_the_long_poll(alice, forge):
    token = forge(alice)
    client = bearer(token)

    error_of(client.get("/api/v1/auth/me"), 401)
    error_of(client.get("/api/v1/poll", {"timeout": "0"}), 401)
    error_of(APIClient().get("/api/v1/poll", {"timeout": "0", "token": token}), 401)


def test_a_token_in_the_query_string_does_not_authenticate_the_rest_api(alice):
    token = str(AccessToken.for_user(alice))

    error_of(APIClient().get("/api/v1/auth/me", {"token": token}), 401)
