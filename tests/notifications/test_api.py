"""The notification inbox, preferences and push subscription endpoints (API.md)."""

import pytest
from django.utils import timezone

from notifications.models import ConversationMute, Notification, NotificationPreferences
from tests.chat.helpers import send
from tests.factories import NotificationFactory, PushSubscriptionFactory, UserFactory
from tests.helpers import client_for, error_of

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/notifications"
COUNT = "/api/v1/notifications/unread-count"
READ_ALL = "/api/v1/notifications/read-all"
PREFERENCES = "/api/v1/notifications/preferences"
SUBSCRIPTIONS = "/api/v1/notifications/push-subscriptions"


def test_inbox_lists_own_notifications_newest_first(alice, bob, chat, bob_client):
    send(alice, chat, "first")
    send(alice, chat, "second")
    NotificationFactory(recipient=alice)  # someone else's

    response = bob_client.get(INBOX)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["body"] for item in body["results"]] == ["second", "first"]
    item = body["results"][0]
    assert item["type"] == "message.new"
    assert item["actor"]["username"] == "alice"
    assert item["conversation_id"] == chat.pk
    assert {"id", "title", "data", "created_at", "read_at", "delivered_at"} <= set(item)


def test_inbox_filters_unread_and_types(bob, bob_client):
    read = NotificationFactory(recipient=bob, type="group.invite", read_at=timezone.now())
    unread_invite = NotificationFactory(recipient=bob, type="group.invite")
    unread_message = NotificationFactory(recipient=bob, type="message.new")

    unread = bob_client.get(INBOX, {"unread": "1"}).json()["results"]
    invites = bob_client.get(INBOX, {"type": "group.invite"}).json()["results"]
    both = bob_client.get(INBOX, {"type": "group.invite,message.new", "unread": "1"}).json()

    assert {item["id"] for item in unread} == {unread_invite.pk, unread_message.pk}
    assert {item["id"] for item in invites} == {read.pk, unread_invite.pk}
    assert both["count"] == 2


def test_inbox_rejects_an_unknown_type(bob_client):
    error = error_of(bob_client.get(INBOX, {"type": "nope"}), 400)
    assert "type" in error["fields"]


def test_inbox_is_paginated_with_page_size(bob, bob_client):
    NotificationFactory.create_batch(5, recipient=bob)

    page = bob_client.get(INBOX, {"page_size": 2}).json()

    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert page["next"]


@pytest.mark.parametrize("size", [3, 40])
def test_inbox_query_count_is_constant(bob, bob_client, django_assert_max_num_queries, size):
    actors = UserFactory.create_batch(3, password=None)
    for index in range(size):
        NotificationFactory(recipient=bob, actor=actors[index % 3])

    with django_assert_max_num_queries(3):  # user, count, page with actors joined
        response = bob_client.get(INBOX, {"page_size": 50})

    assert len(response.json()["results"]) == size


def test_unread_count(bob, bob_client, django_assert_max_num_queries):
    NotificationFactory.create_batch(3, recipient=bob)
    NotificationFactory(recipient=bob, read_at=timezone.now())

    with django_assert_max_num_queries(2):
        response = bob_client.get(COUNT)

    assert response.json() == {"count": 3}


def test_read_marks_one_read_and_is_idempotent(bob, bob_client):
    notification = NotificationFactory(recipient=bob)

    first = bob_client.post(f"{INBOX}/{notification.pk}/read")
    second = bob_client.post(f"{INBOX}/{notification.pk}/read")

    assert first.status_code == second.status_code == 200
    assert first.json()["read_at"] is not None
    assert first.json()["read_at"] == second.json()["read_at"]
    assert bob_client.get(COUNT).json() == {"count": 0}


def test_another_users_notification_does_not_exist_for_you(alice, bob, alice_client):
    theirs = NotificationFactory(recipient=bob)

    read = alice_client.post(f"{INBOX}/{theirs.pk}/read")
    delete = alice_client.delete(f"{INBOX}/{theirs.pk}")

    assert error_of(read, 404)["code"] == "notification_not_found"
    assert error_of(delete, 404)["code"] == "notification_not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_unknown_notification_is_404(bob_client):
    error_of(bob_client.post(f"{INBOX}/999999/read"), 404)


def test_read_all_marks_every_unread_one(bob, bob_client):
    NotificationFactory.create_batch(3, recipient=bob)
    others = NotificationFactory(type="message.new")

    response = bob_client.post(READ_ALL)

    assert response.json() == {"count": 3}
    assert bob_client.get(COUNT).json() == {"count": 0}
    others.refresh_from_db()
    assert others.read_at is None


def test_read_all_can_be_limited_to_a_conversation_and_types(bob, bob_client):
    in_chat = NotificationFactory(recipient=bob, conversation_id=7, type="message.new")
    elsewhere = NotificationFactory(recipient=bob, conversation_id=8, type="message.new")
    invite = NotificationFactory(recipient=bob, conversation_id=7, type="group.invite")

    response = bob_client.post(
        READ_ALL, {"conversation_id": 7, "type": ["message.new"]}, format="json"
    )

    assert response.json() == {"count": 1}
    unread = set(Notification.objects.filter(read_at__isnull=True).values_list("pk", flat=True))
    assert in_chat.pk not in unread
    assert {elsewhere.pk, invite.pk} <= unread


def test_read_all_rejects_bad_input(bob_client):
    error = error_of(bob_client.post(READ_ALL, {"conversation_id": "x"}, format="json"), 400)
    assert "conversation_id" in error["fields"]


def test_delete_removes_own_notification(bob, bob_client):
    notification = NotificationFactory(recipient=bob)

    response = bob_client.delete(f"{INBOX}/{notification.pk}")

    assert response.status_code == 204
    assert not Notification.objects.filter(pk=notification.pk).exists()


def test_endpoints_need_authentication(api_client):
    for method, path in [
        ("get", INBOX),
        ("get", COUNT),
        ("post", READ_ALL),
        ("get", PREFERENCES),
        ("get", SUBSCRIPTIONS),
    ]:
        assert getattr(api_client, method)(path).status_code == 401


def test_preferences_default(bob_client):
    body = bob_client.get(PREFERENCES).json()

    assert body["channels"]["message.new"] == {
        "in_app": True,
        "email": True,
        "push": True,
        "sms": False,
    }
    assert body["channels"]["message.read"]["in_app"] is False
    assert body["channels"]["message.delivered"]["in_app"] is False
    assert body["channels"]["group.updated"]["in_app"] is True
    assert body["mutes"] == []
    assert body["quiet_hours"] is None
    assert body["time_zone"] == "UTC"
    assert body["send_read_receipts"] is True


def test_put_preferences_changes_what_is_given(alice, bob, chat, bob_client):
    response = bob_client.put(
        PREFERENCES,
        {
            "channels": {"message.new": {"email": False}, "message.read": {"in_app": True}},
            "quiet_hours": {"start": "22:00", "end": "07:30"},
            "time_zone": "Europe/Paris",
            "mutes": [{"conversation_id": chat.pk, "until": None}],
            "send_read_receipts": False,
            "sms_number": "+14155550100",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["channels"]["message.new"] == {
        "in_app": True,
        "email": False,
        "push": True,
        "sms": False,
    }
    assert body["channels"]["message.read"]["in_app"] is True
    assert body["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    assert body["time_zone"] == "Europe/Paris"
    assert body["mutes"] == [{"conversation_id": chat.pk, "until": None}]
    assert body["sms_number"] == "+14155550100"
    bob.refresh_from_db()
    assert bob.send_read_receipts is False

    # A second PUT with one field keeps the rest; mutes are replaced, quiet hours cleared.
    again = bob_client.put(
        PREFERENCES,
        {"channels": {"message.new": {"push": False}}, "mutes": [], "quiet_hours": None},
        format="json",
    ).json()
    assert again["channels"]["message.new"]["email"] is False
    assert again["channels"]["message.new"]["push"] is False
    assert again["mutes"] == []
    assert again["quiet_hours"] is None
    assert again["time_zone"] == "Europe/Paris"
    assert again["send_read_receipts"] is False


def test_put_preferences_lists_only_mutes_in_force(alice, bob, chat, bob_client):
    ConversationMute.objects.create(
        user=bob, conversation=chat, until=timezone.now() - timezone.timedelta(minutes=1)
    )

    assert bob_client.get(PREFERENCES).json()["mutes"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channels": {"no.such.type": {"email": True}}}, "channels"),
        ({"channels": {"message.new": {"fax": True}}}, "channels"),
        ({"channels": {"message.new": {"email": "maybe"}}}, "channels"),
        ({"channels": ["message.new"]}, "channels"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
        ({"mutes": [{"conversation_id": 999999}]}, "mutes"),
        ({"sms_number": "call me"}, "sms_number"),
        ({"send_read_receipts": "sometimes"}, "send_read_receipts"),
    ],
)
def test_put_preferences_rejects_bad_input(bob, bob_client, payload, field):
    error = error_of(bob_client.put(PREFERENCES, payload, format="json"), 400)
    assert field in error["fields"]
    assert not NotificationPreferences.objects.filter(user=bob, time_zone="Mars/Olympus").exists()


def test_cannot_mute_a_conversation_one_is_not_in(alice, bob, chat):
    carol = UserFactory()
    response = client_for(carol).put(
        PREFERENCES, {"mutes": [{"conversation_id": chat.pk}]}, format="json"
    )
    assert "mutes" in error_of(response, 400)["fields"]


SUBSCRIPTION = {
    "endpoint": "https://push.example.com/send/abc",
    "keys": {
        "p256dh": PushSubscriptionFactory.p256dh,
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
    "expirationTime": None,
}


def test_register_and_unregister_a_push_subscription(bob, bob_client, alice_client):
    created = bob_client.post(SUBSCRIPTIONS, SUBSCRIPTION, format="json")
    again = bob_client.post(SUBSCRIPTIONS, SUBSCRIPTION, format="json")

    assert created.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    listed = bob_client.get(SUBSCRIPTIONS).json()
    assert [item["endpoint"] for item in listed] == [SUBSCRIPTION["endpoint"]]

    subscription_id = created.json()["id"]
    error_of(alice_client.delete(f"{SUBSCRIPTIONS}/{subscription_id}"), 404)
    assert bob_client.delete(f"{SUBSCRIPTIONS}/{subscription_id}").status_code == 204
    assert bob_client.get(SUBSCRIPTIONS).json() == []


def test_unregister_by_endpoint(bob_client):
    bob_client.post(SUBSCRIPTIONS, SUBSCRIPTION, format="json")

    response = bob_client.delete(
        SUBSCRIPTIONS, {"endpoint": SUBSCRIPTION["endpoint"]}, format="json"
    )

    assert response.status_code == 204
    error_of(
        bob_client.delete(SUBSCRIPTIONS, {"endpoint": SUBSCRIPTION["endpoint"]}, format="json"),
        404,
    )


def test_push_subscription_needs_keys(bob_client):
    error = error_of(
        bob_client.post(SUBSCRIPTIONS, {"endpoint": "https://push.example.com/x"}, format="json"),
        400,
    )
    assert "keys" in error["fields"]


def test_push_config_gives_the_vapid_public_key(bob_client, settings):
    settings.VAPID_PUBLIC_KEY = "BPUBLIC"
    settings.VAPID_PRIVATE_KEY = "private"

    assert bob_client.get("/api/v1/notifications/push-config").json() == {
        "enabled": True,
        "vapid_public_key": "BPUBLIC",
    }


def test_service_worker_is_served_at_the_root_with_its_scope(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert "showNotification" in body
    assert "notificationclick" in body


def test_push_client_module_registers_with_the_api(client):
    body = client.get("/notifications/push-client.js").content.decode()

    assert "/api/v1/notifications" in body
    assert '"/push-subscriptions"' in body
    assert "applicationServerKey" in body


def test_preferences_query_count_does_not_grow_with_mutes(
    alice, bob, bob_client, django_assert_max_num_queries
):
    from groups import actions as group_actions

    for index in range(12):
        group = group_actions.create_group(creator=alice, name=f"G{index}", member_ids=[bob.pk])
        ConversationMute.objects.create(user=bob, conversation_id=group.conversation_id)

    with django_assert_max_num_queries(3):  # user, preferences, mutes
        response = bob_client.get(PREFERENCES)

    assert len(response.json()["mutes"]) == 12
