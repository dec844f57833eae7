import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from chat import actions
from groups import actions as group_actions
from tests.chat.helpers import direct, event_types_for, moderators_group, send
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGES = "/admin/chat/message/"
CONVERSATIONS = "/admin/chat/conversation/"


def test_the_moderators_group_can_view_and_change_but_not_delete(moderator):
    codenames = set(moderators_group().permissions.values_list("codename", flat=True))
    assert {
        "view_conversation", "change_conversation", "view_message", "change_message",
        "view_group", "change_group", "view_user", "change_user", "view_messagereceipt",
    } <= codenames  # fmt: skip
    assert not {"delete_message", "delete_conversation", "delete_group"} & codenames


def test_non_staff_users_are_sent_to_the_login_page(alice):
    client = Client()
    client.force_login(alice)
    response = client.get(MESSAGES)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_message_changelist_searches_body_and_author(moderator_client, alice, bob):
    chat = direct(alice, bob)
    send(alice, chat, "the quick brown fox")
    send(bob, chat, "lazy dog")
    response = moderator_client.get(MESSAGES, {"q": "brown"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("body", flat=True)) == [
        "the quick brown fox"
    ]
    by_author = moderator_client.get(MESSAGES, {"q": "bob"}).context["cl"].result_list
    assert [message.body for message in by_author] == ["lazy dog"]


def test_message_changelist_filters_by_conversation_deleted_and_date(
    moderator_client, alice, bob, carol_user
):
    chat = direct(alice, bob)
    other = direct(alice, carol_user)
    kept = send(alice, chat)
    gone = send(alice, chat)
    send(alice, other)
    actions.delete_message(user=alice, message_id=gone.pk)
    in_chat = moderator_client.get(MESSAGES, {"conversation": chat.pk}).context["cl"].result_list
    assert {message.pk for message in in_chat} == {kept.pk, gone.pk}
    deleted = moderator_client.get(MESSAGES, {"deleted": "yes"}).context["cl"].result_list
    assert [message.pk for message in deleted] == [gone.pk]
    # The date filter's "Today" choice.
    today = timezone.localdate()
    response = moderator_client.get(
        MESSAGES,
        {
            "created_at__gte": f"{today} 00:00:00+00:00",
            "created_at__lt": f"{today + dt.timedelta(days=1)} 00:00:00+00:00",
        },
    )
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 3


@pytest.fixture
def carol_user(db):
    return UserFactory(username="carol")


def test_soft_delete_and_restore_actions_go_through_the_chat_actions(
    moderator_client, moderator, alice, bob
):
    chat = direct(alice, bob)
    message = send(alice, chat, "rude")
    response = moderator_client.post(
        MESSAGES, {"action": "soft_delete", "_selected_action": [message.pk]}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.deleted_at is not None and message.deleted_by == moderator
    assert event_types_for(bob)[-1] == "message.deleted"

    moderator_client.post(MESSAGES, {"action": "restore", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.deleted_at is None and message.body == "rude"
    assert event_types_for(bob)[-1] == "message.updated"


def test_message_page_shows_its_receipts(moderator_client, alice, bob):
    chat = direct(alice, bob)
    message = send(alice, chat, "hello")
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    response = moderator_client.get(f"{MESSAGES}{message.pk}/change/")
    assert response.status_code == 200
    assert b"receipt" in response.content.lower() and b"bob" in response.content
    # Moderators cannot delete rows outright.
    assert moderator_client.get(f"{MESSAGES}{message.pk}/delete/").status_code == 403


def test_conversation_page_lists_its_memberships(moderator_client, alice, bob):
    group = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk])
    response = moderator_client.get(f"{CONVERSATIONS}{group.conversation_id}/change/")
    assert response.status_code == 200
    assert b"owner" in response.content and b"bob" in response.content


def test_message_changelist_has_constant_queries(
    moderator_client, alice, bob, django_assert_max_num_queries
):
    chat = direct(alice, bob)
    send(alice, chat)
    with django_assert_max_num_queries(12) as few:
        assert moderator_client.get(MESSAGES).status_code == 200
    for _ in range(5):
        MessageFactory.create_batch(8, conversation=direct(UserFactory(), UserFactory()))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = moderator_client.get(MESSAGES)
    assert len(response.context["cl"].result_list) == 41


def test_conversation_changelist_has_constant_queries(
    moderator_client, alice, bob, django_assert_max_num_queries
):
    direct(alice, bob)
    with django_assert_max_num_queries(12) as few:
        assert moderator_client.get(CONVERSATIONS).status_code == 200
    for index in range(15):
        direct(alice, UserFactory())
        group_actions.create_group(creator=alice, name=f"g{index}", member_ids=[bob.pk])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = moderator_client.get(CONVERSATIONS)
    assert len(response.context["cl"].result_list) == 31
