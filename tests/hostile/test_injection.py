"""SQL and HTML injection strings in every text field: stored and returned verbatim by the JSON
API, escaped where the server renders HTML (the app page, notification emails), and never able
to change a query (the ORM binds every value as a parameter).
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.utils.html import escape

from accounts.models import User
from notifications.models import Notification
from notifications.providers import OutboundMessage
from notifications.providers.email import render_email
from realtime.models import StoredEvent
from tests.factories import UserFactory
from tests.helpers import client_for, error_of

pytestmark = [
    pytest.mark.django_db,
    # The username throttle keys on the raw name: fine in Redis, a warning for memcached
    # (docs/security.md, open items).
    pytest.mark.filterwarnings("ignore::django.core.cache.backends.base.CacheKeyWarning"),
]

INJECTIONS = [
    "'; DROP TABLE accounts_user; --",
    '" OR "1"="1',
    "1 UNION SELECT password FROM accounts_user",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "{{ request.user.password }}{% debug %}",
    "%s %(name)s {0} \\N",
    "../../../etc/passwd",
    "\u202eevil\u200b \u2603 \U0001d4b3",  # bidi override, zero-width space, astral plane
    "${jndi:ldap://example.invalid/a}",
]
HTML_SAMPLE = "<script>alert('x')</script><b onclick=\"x()\">&amp;"


@pytest.mark.parametrize("text", INJECTIONS)
def test_signup_and_profile_keep_a_display_name_verbatim(api_client, text):
    signup = api_client.post(
        "/api/v1/auth/signup",
        {"username": "mallory", "password": "x7!Kq9#mZ2-long", "display_name": text},
        format="json",
    )
    assert signup.status_code == 201, signup.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {signup.json()['access']}")
    patched = api_client.patch("/api/v1/auth/me", {"display_name": text[::-1]}, format="json")

    assert signup.json()["user"]["display_name"] == text
    assert patched.json()["display_name"] == text[::-1]
    assert User.objects.get(username="mallory").display_name == text[::-1]


@pytest.mark.parametrize("text", INJECTIONS)
def test_an_injection_string_as_a_username_is_refused_not_executed(api_client, text):
    response = api_client.post(
        "/api/v1/auth/signup", {"username": text, "password": "x7!Kq9#mZ2-long"}, format="json"
    )
    login = api_client.post(
        "/api/v1/auth/login", {"username": text, "password": "x"}, format="json"
    )

    error_of(response, 400, "invalid")
    error_of(login, 401)


@pytest.mark.parametrize("text", INJECTIONS)
def test_message_bodies_are_stored_and_returned_verbatim(world, text):
    client = world.client()
    history_url = f"/api/v1/conversations/{world.direct.pk}/messages"
    sent = client.post(history_url, {"body": text, "client_id": str(uuid.uuid4())}, format="json")
    edited = client.patch(f"/api/v1/messages/{world.message.pk}", {"body": text}, format="json")

    history = client.get(history_url).json()["results"]

    assert sent.status_code == 201 and sent.json()["body"] == text
    assert edited.status_code == 200 and edited.json()["body"] == text
    assert [message["body"] for message in history] == [text, text]


@pytest.mark.parametrize("text", INJECTIONS)
def test_group_names_and_descriptions_are_stored_and_returned_verbatim(world, text):
    client = world.client()
    created = client.post(
        "/api/v1/groups", {"name": text, "description": text, "member_ids": []}, format="json"
    )
    renamed = client.patch(
        f"/api/v1/groups/{world.group.pk}", {"name": text, "description": text}, format="json"
    )

    assert created.status_code == 201, created.content
    assert (created.json()["name"], created.json()["description"]) == (text, text)
    detail = client.get(f"/api/v1/groups/{world.group.pk}").json()
    assert (renamed.json()["name"], detail["name"], detail["description"]) == (text, text, text)


@pytest.mark.parametrize("text", [*INJECTIONS, "%", "_", "\\"])
def test_user_search_matches_the_string_literally(world, text):
    UserFactory(username="target", display_name=f"x{text}y", password=None)

    response = world.client().get("/api/v1/users", {"search": text})

    assert response.status_code == 200
    # LIKE wildcards (% and _) in the term match themselves, not every user.
    assert [user["username"] for user in response.json()["results"]] == ["target"]


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/notifications", "type"),
        ("/api/v1/deliveries", "status"),
        ("/api/v1/deliveries", "channel"),
    ],
)
def test_injection_strings_in_filters_are_a_400(world, text, path, field):
    response = world.client().get(path, {field: text})

    assert field in error_of(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("text", INJECTIONS)
@pytest.mark.parametrize("field", ["time_zone", "sms_number"])
def test_injection_strings_in_preferences_are_a_400(world, text, field):
    response = world.client().put("/api/v1/notifications/preferences", {field: text}, format="json")

    assert field in error_of(response, 400, "invalid")["fields"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_published_topic_data_is_delivered_verbatim_and_event_names_are_checked(world, text):
    client = world.client()
    published = client.post(
        "/api/v1/channels/news/publish", {"event": "tick", "data": {"text": text}}, format="json"
    )
    bad_name = client.post(
        "/api/v1/channels/news/publish", {"event": text, "data": 1}, format="json"
    )

    assert published.status_code == 201
    assert "event" in error_of(bad_name, 400, "invalid")["fields"]
    stored = StoredEvent.objects.get(channel="topic-news", seq=published.json()["event_id"])
    assert json.loads(stored.data)["data"] == {"text": text}


def test_notification_titles_built_from_names_keep_them_verbatim(
    world, django_capture_on_commit_callbacks
):
    client = world.client()
    client.patch(f"/api/v1/groups/{world.group.pk}", {"name": HTML_SAMPLE}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/conversations/{world.group.conversation_id}/messages",
            {"body": HTML_SAMPLE, "client_id": str(uuid.uuid4())},
            format="json",
        )

    notification = Notification.objects.get(
        recipient=world.bob, conversation_id=world.group.conversation_id, type="message.new"
    )
    listed = client_for(world.bob).get("/api/v1/notifications").json()["results"]
    assert HTML_SAMPLE in notification.title
    assert HTML_SAMPLE in notification.body
    assert (notification.title, notification.body) in [(n["title"], n["body"]) for n in listed]


@pytest.mark.parametrize("text", INJECTIONS)
def test_the_app_page_escapes_the_users_name(client, text):
    user = UserFactory(username="page-user", display_name=text, password=None)
    client.force_login(user)

    page = client.get("/").content.decode()

    # In markup the name is HTML-escaped; in the page's JSON data (json_script) <, > and &
    # are \u-escaped, so no form of it can close a tag or open one.
    assert escape(text) in page
    if any(character in text for character in "<>&"):
        assert text not in page


def test_notification_email_escapes_the_html_part_and_keeps_the_text_part_verbatim():
    message = OutboundMessage(
        delivery_id=1,
        notification_id=1,
        user_id=1,
        type="message.new",
        title=HTML_SAMPLE,
        body=HTML_SAMPLE,
        url="https://parley.example/c/1",
        email="bob@example.com",
        recipient_name=HTML_SAMPLE,
    )

    email = render_email(message)
    html = email.alternatives[0][0]

    assert HTML_SAMPLE in email.body  # plain text: nothing in it is markup
    assert escape(HTML_SAMPLE) in html
    assert HTML_SAMPLE not in html
