import pytest

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_with_csrf(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content


def test_login_form_requires_csrf(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_login_form_signs_in(client, alice):
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_login_form_shows_error_for_wrong_password(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_signup_form_creates_user_and_signs_in(client):
    response = client.post(
        "/signup/",
        {"username": "erin", "display_name": "Erin", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(username="erin").display_name == "Erin"
    assert client.get("/").status_code == 200


def test_signup_form_shows_password_mismatch(client):
    response = client.post(
        "/signup/", {"username": "erin", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="erin").exists()


def test_app_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_session_authenticates_the_api(client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/auth/me").json()["username"] == "alice"
