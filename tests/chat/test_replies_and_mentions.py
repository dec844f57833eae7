import pytest

from chat import actions
from chat.models import Message, MessageMention
from groups import actions as group_actions
from notifications.models import Notification
from notifications.preferences import DEFAULT_CHANNELS
from tests.chat.helpers import direct, events_for
from tests.chat.helpers import send as send_as
from tests.factories import UserFactory
from tests.helpers import client_for, error_of, post_message

pytestmark = pytest.mark.django_db


# --- replies ---------------------------------------------------------------------------


def test_a_reply_carries_a_short_quote_of_the_original(alice_client, bob_client, bob, chat):
    original = send_as(bob, chat, "word " * 60)
    body = post_message(alice_client, chat, "agreed", reply_to=original.pk).json()
    quote = body["reply_to"]
    assert quote["id"] == original.pk and quote["author"]["username"] == "bob"
    assert len(quote["body"]) <= 100 and quote["body"].startswith("word word")
    (event,) = [e for e in events_for(bob, "message.new") if e["message"]["id"] == body["id"]]
    assert event["message"]["reply_to"] == quote
    history = bob_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()["results"]
    assert history[-1]["reply_to"] == quote and history[0]["reply_to"] is None


def test_a_reply_to_another_conversation_is_400_and_nothing_is_sent(alice, alice_client, chat):
    elsewhere = direct(alice, UserFactory())
    foreign = send_as(alice, elsewhere, "elsewhere")
    error = error_of(post_message(alice_client, chat, "hm", reply_to=foreign.pk), 400)
    assert error["code"] == "invalid_reply_to"
    assert not Message.objects.filter(conversation=chat).exists()


def test_a_reply_to_a_deleted_or_unknown_message_is_400(alice, alice_client, chat):
    gone = send_as(alice, chat, "gone")
    actions.delete_message(user=alice, message_id=gone.pk)
    error_of(post_message(alice_client, chat, "re", reply_to=gone.pk), 400)
    error_of(post_message(alice_client, chat, "re", reply_to=10**12), 400)
    error_of(post_message(alice_client, chat, "re", reply_to="x"), 400)


def test_the_quote_empties_when_the_original_is_deleted(alice, bob_client, bob, chat):
    original = send_as(alice, chat, "secret")
    post_message(bob_client, chat, "re", reply_to=original.pk)
    actions.delete_message(user=alice, message_id=original.pk)
    history = bob_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()["results"]
    assert history[-1]["reply_to"]["body"] == "" and history[-1]["reply_to"]["is_deleted"]


def test_a_reply_costs_one_more_statement(alice_client, alice, chat, django_assert_max_num_queries):
    original = send_as(alice, chat, "first")
    with django_assert_max_num_queries(100) as plain:
        post_message(alice_client, chat, "plain")
    with django_assert_max_num_queries(100) as reply:
        post_message(alice_client, chat, "reply", reply_to=original.pk)
    assert len(reply.captured_queries) == len(plain.captured_queries) + 1


# --- mentions --------------------------------------------------------------------------


def test_mentions_are_members_named_in_any_case(alice, alice_client, bob):
    # Stored capitalised and mentioned in lower case, as bob is the other way round.
    carol = UserFactory(username="Carol", display_name="Carol")
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])
    outsider = UserFactory(username="dave")
    body = post_message(
        alice_client, team.conversation, "@BOB and @carol, not @dave nor mail@bob.com @nobody."
    ).json()
    assert body["mentions"] == sorted([bob.pk, carol.pk])
    assert set(MessageMention.objects.values_list("user_id", flat=True)) == {bob.pk, carol.pk}
    assert outsider.pk not in body["mentions"]


def test_a_body_without_at_costs_nothing_extra(alice_client, chat, django_assert_max_num_queries):
    with django_assert_max_num_queries(100) as first:
        post_message(alice_client, chat, "hello")
    with django_assert_max_num_queries(100) as second:
        post_message(alice_client, chat, "hello again")
    assert len(first.captured_queries) == len(second.captured_queries)


def test_a_mentioned_member_gets_a_mention_notification(alice_client, bob, team):
    post_message(alice_client, team.conversation, "ping @bob")
    mention = Notification.objects.get(recipient=bob, type="message.mention")
    assert mention.title == "Alice mentioned you in Team" and mention.body == "ping @bob"


def test_the_mention_type_is_on_everywhere_by_default():
    assert DEFAULT_CHANNELS["message.mention"] == {
        "in_app": True,
        "email": True,
        "push": True,
        "sms": False,
    }


def test_a_mention_reaches_a_muted_conversation(alice_client, bob, carol, team):
    for user in (bob, carol):
        client_for(user).put(
            "/api/v1/notifications/preferences",
            {"mutes": [{"conversation_id": team.conversation.pk}]},
            format="json",
        )
    post_message(alice_client, team.conversation, "@bob look")
    assert Notification.objects.filter(recipient=bob, type="message.mention").exists()
    assert not Notification.objects.filter(recipient=carol, type__startswith="message.").exists()
    assert not Notification.objects.filter(recipient=bob, type="message.new").exists()


def test_turning_mentions_off_is_honoured(alice_client, bob, team):
    client_for(bob).put(
        "/api/v1/notifications/preferences",
        {"channels": {"message.mention": {"in_app": False}}},
        format="json",
    )
    post_message(alice_client, team.conversation, "@bob hi")
    assert not Notification.objects.filter(recipient=bob, type="message.mention").exists()


def test_mentioning_oneself_notifies_nobody(alice_client, alice, team):
    body = post_message(alice_client, team.conversation, "note to @alice").json()
    assert body["mentions"] == [alice.pk]
    assert not Notification.objects.filter(type="message.mention").exists()


def test_an_edit_updates_mentions_and_notifies_only_new_names(alice, bob, carol, team):
    message = send_as(alice, team.conversation, "@bob hi")
    actions.edit_message(user=alice, message_id=message.pk, body="@carol hi instead")
    assert list(MessageMention.objects.values_list("user_id", flat=True)) == [carol.pk]
    assert Notification.objects.filter(type="message.mention", recipient=carol).count() == 1
    assert Notification.objects.filter(type="message.mention", recipient=bob).count() == 1
    (updated,) = events_for(carol, "message.updated")
    assert updated["message"]["mentions"] == [carol.pk]


def test_the_chat_list_shows_a_mention_badge_until_read(alice, bob, team):
    first = send_as(alice, team.conversation, "@bob one")
    send_as(alice, team.conversation, "no mention")
    last = send_as(alice, team.conversation, "@bob two")
    bob_client = client_for(bob)

    def badge() -> int:
        rows = bob_client.get("/api/v1/conversations").json()["results"]
        return next(row for row in rows if row["id"] == team.conversation.pk)[
            "unread_mention_count"
        ]

    assert badge() == 2
    actions.mark_read_up_to(user=bob, conversation_id=team.conversation.pk, up_to=first.pk)
    assert badge() == 1
    actions.mark_read_up_to(user=bob, conversation_id=team.conversation.pk, up_to=last.pk)
    assert badge() == 0
    assert not Notification.objects.filter(
        recipient=bob, type="message.mention", read_at__isnull=True
    ).exists()


def test_deleting_the_message_removes_its_mention_notifications(alice, bob, team):
    message = send_as(alice, team.conversation, "@bob oops")
    actions.delete_message(user=alice, message_id=message.pk)
    assert not Notification.objects.filter(type="message.mention").exists()
