import datetime as dt

import jwt
import pytest
import time_machine
from django.core.management import call_command
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.helpers import error_of

pytestmark = pytest.mark.django_db

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"


def test_signup_creates_user_with_argon2_hash_and_returns_tokens(api_client):
    response = api_client.post(
        SIGNUP,
        {"username": "carol", "password": PASSWORD, "display_name": "Carol"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "carol"
    assert body["user"]["display_name"] == "Carol"
    assert body["access"] and body["refresh"]
    assert User.objects.get(username="carol").password.startswith("argon2")


def test_signup_refuses_duplicate_username_in_any_case(api_client, alice):
    response = api_client.post(SIGNUP, {"username": "ALICE", "password": PASSWORD}, format="json")
    error = error_of(response, 400)
    assert error["code"] in {"username_taken", "invalid"}
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_signup_refuses_weak_password(api_client):
    response = api_client.post(SIGNUP, {"username": "dave", "password": "12345678"}, format="json")
    error = error_of(response, 400)
    assert "password" in error["fields"]
    assert not User.objects.filter(username="dave").exists()


def test_signup_requires_username_and_password(api_client):
    error = error_of(api_client.post(SIGNUP, {}, format="json"), 400)
    assert {"username", "password"} <= set(error["fields"])


def test_signup_rejects_non_object_json(api_client):
    error = error_of(api_client.post(SIGNUP, [1, 2], format="json"), 400)
    assert error["code"] == "invalid"


def test_login_returns_user_and_tokens(api_client, alice):
    response = api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["user"]["id"] == alice.id


def test_login_gives_one_message_for_wrong_password_and_unknown_user(api_client, alice):
    wrong = error_of(
        api_client.post(LOGIN, {"username": "alice", "password": "nope-nope"}, format="json"), 401
    )
    unknown = error_of(
        api_client.post(LOGIN, {"username": "ghost", "password": "nope-nope"}, format="json"), 401
    )
    assert wrong["message"] == unknown["message"] == "Invalid username or password."


def test_deactivated_user_cannot_log_in(api_client):
    UserFactory(username="gone", is_active=False)
    response = api_client.post(LOGIN, {"username": "gone", "password": PASSWORD}, format="json")
    error_of(response, 401)


def test_refresh_rotates_and_blacklists_the_old_token(api_client, alice):
    old_refresh = str(RefreshToken.for_user(alice))
    response = api_client.post(REFRESH, {"refresh": old_refresh}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["access"] and body["refresh"] and body["refresh"] != old_refresh

    replay = api_client.post(REFRESH, {"refresh": old_refresh}, format="json")
    error_of(replay, 401)
    assert api_client.post(REFRESH, {"refresh": body["refresh"]}, format="json").status_code == 200


def test_me_needs_a_token(api_client):
    error = error_of(api_client.get(ME), 401)
    assert error["code"] == "not_authenticated"


def test_me_with_token(alice_client, alice):
    response = alice_client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert "password" not in response.json()


def test_me_refuses_a_forged_token(api_client, alice):
    forged = jwt.encode(
        {"token_type": "access", "user_id": str(alice.id), "exp": 9999999999, "jti": "x"},
        "not-the-secret-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    error_of(api_client.get(ME), 401)


def test_me_refuses_an_expired_token(api_client, alice):
    access = str(RefreshToken.for_user(alice).access_token)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=16)):
        error_of(api_client.get(ME), 401)


def test_login_is_throttled_per_username(api_client, alice):
    statuses = [
        api_client.post(
            LOGIN, {"username": "alice", "password": "wrong-one"}, format="json"
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_throttled_response_has_error_shape_and_retry_after(api_client, alice):
    for _ in range(10):
        api_client.post(LOGIN, {"username": "alice", "password": "wrong-one"}, format="json")
    response = api_client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    error = error_of(response, 429)
    assert error["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_malformed_json_is_a_400_in_the_error_shape(api_client):
    response = api_client.post(SIGNUP, data='{"username": ', content_type="application/json")
    error = error_of(response, 400)
    assert error["code"] == "parse_error"


def test_wrong_content_type_is_a_415(api_client):
    response = api_client.post(SIGNUP, data="username=x", content_type="text/plain")
    error_of(response, 415)


def test_unknown_api_path_is_a_json_404(api_client):
    error_of(api_client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_a_405(alice_client):
    error_of(alice_client.put(ME, {}, format="json"), 405)


def test_users_search_finds_by_username_and_name_and_hides_the_caller(alice_client, alice):
    UserFactory(username="bobby", display_name="Robert")
    UserFactory(username="carol", display_name="Carol Bobson")
    UserFactory(username="dave", display_name="Dave")
    response = alice_client.get("/api/v1/users", {"search": "bob"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [user["username"] for user in results] == ["bobby", "carol"]
    assert {"online", "last_seen", "display_name"} <= set(results[0])
    assert alice_client.get("/api/v1/users").json()["count"] == 3


def test_users_list_needs_auth(api_client):
    error_of(api_client.get("/api/v1/users"), 401)


def test_users_list_has_constant_queries(alice_client, django_assert_max_num_queries):
    UserFactory.create_batch(30)
    with django_assert_max_num_queries(4):
        assert alice_client.get("/api/v1/users").status_code == 200


def test_openapi_schema_is_valid_and_complete():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_and_docs_are_served(api_client):
    assert api_client.get("/api/schema/").status_code == 200
    assert api_client.get("/api/docs/").status_code == 200
