"""Chat and group events become the right notifications for the right people, in bulk."""

import json
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat import actions as chat_actions
from groups import actions as group_actions
from notifications import actions
from notifications.models import ConversationMute, Notification
from realtime.models import StoredEvent
from tests.chat.helpers import send
from tests.factories import UserFactory
from tests.notifications.helpers import notifications_of, types_of

pytestmark = pytest.mark.django_db


def created_since(marker: int) -> dict[str, list[str]]:
    """username → types of the notifications created after notification id `marker`."""
    rows = (
        Notification.objects.filter(pk__gt=marker)
        .order_by("id")
        .values_list("recipient__username", "type")
    )
    found: dict[str, list[str]] = {}
    for username, kind in rows:
        found.setdefault(username, []).append(kind)
    return found


def last_id() -> int:
    return Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0


def notification_events(user) -> list[dict]:
    rows = StoredEvent.objects.filter(channel=f"user-{user.pk}", type="notification.new")
    return [json.loads(row.data) for row in rows.order_by("seq")]


def test_direct_message_notifies_the_other_person_only(alice, bob, chat):
    message = send(alice, chat, "Lunch at noon?")

    (notification,) = notifications_of(bob)
    assert notification.type == "message.new"
    assert notification.title == "Alice"
    assert notification.body == "Lunch at noon?"
    assert notification.actor == alice
    assert (notification.conversation_id, notification.message_id) == (chat.pk, message.pk)
    assert notification.group_id is None
    assert notifications_of(alice) == []


def test_new_notification_event_carries_the_api_shape_and_unread_count(alice, bob, chat):
    send(alice, chat, "one")
    send(alice, chat, "two")

    events = notification_events(bob)
    assert [event["unread_count"] for event in events] == [1, 2]
    latest = events[-1]["notification"]
    assert latest["type"] == "message.new"
    assert latest["body"] == "two"
    assert latest["actor"]["username"] == "alice"
    assert latest["read_at"] is None
    assert "id" not in latest  # shared by every recipient of the event
    assert notification_events(alice) == []


def test_group_message_notifies_every_member_but_the_author(alice, bob, carol, team):
    send(bob, team.conversation, "Hello team")

    assert created_since(0)["alice"][-1] == "message.new"
    assert "message.new" in created_since(0)["carol"]
    assert Notification.objects.filter(type="message.new", recipient=bob).count() == 0
    notification = Notification.objects.get(type="message.new", recipient=carol)
    assert notification.title == "Bob in Team"
    assert notification.group_id == team.pk


def test_group_message_fan_out_is_one_insert_and_one_event_whatever_the_size(alice):
    def send_to_group_of(size: int) -> tuple[int, list[str]]:
        members = UserFactory.create_batch(size, password=None)
        group = group_actions.create_group(
            creator=alice, name=f"G{size}", member_ids=[member.pk for member in members]
        )
        with CaptureQueriesContext(connection) as queries:
            send(alice, group.conversation, "hi all")
        statements = [query["sql"] for query in queries.captured_queries]
        return len(statements), statements

    small_count, _ = send_to_group_of(3)
    large_count, statements = send_to_group_of(60)

    # The notifications are rows of the send's last statement, one INSERT for all of them.
    inserts = [sql for sql in statements if 'INSERT INTO "notifications_notification"' in sql]
    assert len(inserts) == 1
    assert inserts[0].count('INSERT INTO "notifications_notification"') == 1
    assert large_count == small_count
    # Everyone has the same unread count (an invite and this message): one shared payload.
    events = StoredEvent.objects.filter(type="notification.new", data__contains="hi all")
    assert events.filter(data__contains="G60").count() == 60
    assert events.filter(data__contains="G60").values("data").distinct().count() == 1


def test_type_turned_off_in_app_creates_nothing(alice, bob, chat):
    actions.update_preferences(user=bob, channels={"message.new": {"in_app": False}})

    send(alice, chat)

    assert notifications_of(bob) == []
    assert notification_events(bob) == []


def test_muted_conversation_is_silent_until_the_mute_ends(alice, bob, chat):
    mute = ConversationMute.objects.create(
        user=bob, conversation=chat, until=timezone.now() + timedelta(hours=1)
    )
    send(alice, chat, "muted")
    assert notifications_of(bob) == []

    mute.until = timezone.now() - timedelta(seconds=1)
    mute.save()
    send(alice, chat, "audible")
    assert [n.body for n in notifications_of(bob)] == ["audible"]


def test_group_mute_silences_traffic_but_not_what_happens_to_you(alice, bob, carol, team):
    ConversationMute.objects.create(user=bob, conversation=team.conversation, until=None)
    marker = last_id()

    send(alice, team.conversation, "chatter")
    group_actions.update_group(actor=alice, group_id=team.pk, name="Team 2")
    group_actions.change_role(actor=alice, group_id=team.pk, user_id=bob.pk, role="admin")

    assert created_since(marker)["bob"] == ["group.role_updated"]
    assert created_since(marker)["carol"] == ["message.new", "group.updated"]


def test_reading_the_chat_marks_its_message_notifications_read(alice, bob, chat):
    first = send(alice, chat, "first")
    second = send(alice, chat, "second")
    third = send(alice, chat, "third")

    chat_actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=second.pk)

    by_message = {n.message_id: n for n in notifications_of(bob)}
    assert by_message[first.pk].read_at is not None
    assert by_message[second.pk].read_at is not None
    assert by_message[second.pk].delivered_at is not None
    assert by_message[third.pk].read_at is None


def test_delivered_ack_marks_message_notifications_delivered_not_read(alice, bob, chat):
    message = send(alice, chat)

    chat_actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)

    (notification,) = notifications_of(bob)
    assert notification.delivered_at is not None
    assert notification.read_at is None


def test_receipt_notifications_are_off_by_default(alice, bob, chat):
    message = send(alice, chat)

    chat_actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)

    assert notifications_of(alice) == []


def test_author_who_opts_in_hears_of_reads_and_deliveries(alice, bob, chat):
    actions.update_preferences(
        user=alice,
        channels={"message.read": {"in_app": True}, "message.delivered": {"in_app": True}},
    )
    send(alice, chat, "one")
    message = send(alice, chat, "two")

    chat_actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    chat_actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)

    delivered, read = notifications_of(alice)
    assert (delivered.type, delivered.title) == (
        "message.delivered",
        "Bob received 2 of your messages",
    )
    assert (read.type, read.title) == ("message.read", "Bob read 2 of your messages")
    assert read.message_id == message.pk
    assert read.actor == bob
    assert notifications_of(bob) and all(n.type == "message.new" for n in notifications_of(bob))


def test_reader_without_read_receipts_never_produces_read_notifications(alice, bob, chat):
    actions.update_preferences(user=alice, channels={"message.read": {"in_app": True}})
    actions.update_preferences(user=bob, send_read_receipts=False)
    message = send(alice, chat)

    chat_actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)

    assert notifications_of(alice) == []


def test_reader_without_read_receipts_still_clears_their_own_bell(alice, bob, chat):
    actions.update_preferences(user=bob, send_read_receipts=False)
    message = send(alice, chat)

    chat_actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)

    assert notifications_of(bob)[0].read_at is not None


def test_group_read_notifies_each_author_about_their_own_messages(alice, bob, carol, team):
    for user in (alice, bob):
        actions.update_preferences(user=user, channels={"message.read": {"in_app": True}})
    from_alice = send(alice, team.conversation, "a")
    from_bob = send(bob, team.conversation, "b")
    marker = last_id()

    chat_actions.mark_read_up_to(
        user=carol, conversation_id=team.conversation_id, up_to=from_bob.pk
    )

    reads = Notification.objects.filter(pk__gt=marker, type="message.read")
    assert {(n.recipient_id, n.message_id) for n in reads} == {
        (alice.pk, from_alice.pk),
        (bob.pk, from_bob.pk),
    }
    assert all(n.title == "Carol read your message" for n in reads)


def test_edit_rewrites_the_waiting_notification(alice, bob, chat):
    message = send(alice, chat, "typo")

    chat_actions.edit_message(user=alice, message_id=message.pk, body="fixed")

    assert [n.body for n in notifications_of(bob)] == ["fixed"]


def test_delete_replaces_the_message_notification_with_a_deleted_one(alice, bob, carol, team):
    message = send(alice, team.conversation, "oops, secret")

    chat_actions.delete_message(user=alice, message_id=message.pk)

    assert types_of(bob)[-1] == "message.deleted"
    assert not Notification.objects.filter(message_id=message.pk, type="message.new").exists()
    deleted = Notification.objects.get(recipient=carol, type="message.deleted")
    assert deleted.title == "Alice deleted a message in Team"
    assert "secret" not in deleted.body
    assert not Notification.objects.filter(recipient=alice, type="message.deleted").exists()


def test_group_lifecycle_notifies_the_right_people_and_no_others(alice, bob, carol, dave):
    erin = UserFactory(username="erin", display_name="Erin")

    # create: the invited members hear of it, the creator does not
    group = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])
    assert created_since(0) == {"bob": ["group.invite"], "carol": ["group.invite"]}
    invite = Notification.objects.get(recipient=bob, type="group.invite")
    assert invite.title == "Alice added you to Team"
    assert (invite.group_id, invite.conversation_id) == (group.pk, group.conversation_id)

    # add: the new member is invited, the other members told, the actor left out
    marker = last_id()
    group_actions.add_members(actor=alice, group_id=group.pk, user_ids=[dave.pk, erin.pk])
    assert created_since(marker) == {
        "bob": ["group.member_added"],
        "carol": ["group.member_added"],
        "dave": ["group.invite"],
        "erin": ["group.invite"],
    }
    assert Notification.objects.get(recipient=bob, type="group.member_added").body == (
        "Alice added Dave and Erin"
    )

    # role: only the person whose role changed
    marker = last_id()
    group_actions.change_role(actor=alice, group_id=group.pk, user_id=bob.pk, role="admin")
    assert created_since(marker) == {"bob": ["group.role_updated"]}
    assert Notification.objects.get(recipient=bob, type="group.role_updated").title == (
        "Alice made you an admin of Team"
    )

    # remove: the removed member (personally) and the remaining members, not the actor
    send(alice, group.conversation, "before carol goes")
    marker = last_id()
    group_actions.remove_member(actor=bob, group_id=group.pk, user_id=carol.pk)
    assert created_since(marker) == {
        "alice": ["group.member_removed"],
        "dave": ["group.member_removed"],
        "erin": ["group.member_removed"],
        "carol": ["group.member_removed"],
    }
    assert Notification.objects.get(recipient=carol, type="group.member_removed").title == (
        "Bob removed you from Team"
    )
    assert Notification.objects.get(recipient=dave, type="group.member_removed").body == (
        "Bob removed Carol"
    )
    # A removed member keeps nothing of the conversation, not even notifications of it.
    assert not Notification.objects.filter(recipient=carol, type="message.new").exists()

    # update: everyone but the actor
    marker = last_id()
    group_actions.update_group(actor=bob, group_id=group.pk, name="Crew")
    assert created_since(marker) == {
        "alice": ["group.updated"],
        "dave": ["group.updated"],
        "erin": ["group.updated"],
    }
    assert Notification.objects.get(recipient=dave, type="group.updated").body == (
        'Bob renamed the group to "Crew"'
    )

    # leave: the remaining members; the owner leaving hands over ownership
    marker = last_id()
    group_actions.leave_group(user=erin, group_id=group.pk)
    assert created_since(marker) == {
        "alice": ["group.member_left"],
        "bob": ["group.member_left"],
        "dave": ["group.member_left"],
    }
    marker = last_id()
    new_owner_id = group_actions.leave_group(user=alice, group_id=group.pk)
    assert new_owner_id == bob.pk
    assert created_since(marker) == {
        "bob": ["group.member_left", "group.role_updated"],
        "dave": ["group.member_left"],
    }
    assert Notification.objects.filter(recipient=bob, type="group.role_updated").last().title == (
        "You are now the owner of Crew"
    )

    # delete: the former members but the owner who deleted it; it outlives the group
    marker = last_id()
    group_actions.delete_group(actor=bob, group_id=group.pk)
    assert created_since(marker) == {"dave": ["group.deleted"]}
    deleted = Notification.objects.get(recipient=dave, type="group.deleted")
    assert deleted.title == "Bob deleted the group Crew"
    assert deleted.group_id == group.pk


def test_notifications_are_only_for_active_users(alice, bob, chat):
    bob.is_active = False
    bob.save()

    send(alice, chat)

    assert notifications_of(bob) == []


def test_idempotent_resend_does_not_notify_twice(alice, bob, chat):
    client_id = uuid.uuid4()
    for _ in range(2):
        chat_actions.send_message(
            author=alice, conversation_id=chat.pk, body="once", client_id=client_id
        )

    assert len(notifications_of(bob)) == 1
