import pytest

from chat.models import MessageReaction
from groups import actions as group_actions
from tests.chat.essentials import reaction_url
from tests.chat.helpers import clear_events, events_for, send
from tests.factories import UserFactory
from tests.helpers import client_for, error_of

pytestmark = pytest.mark.django_db


def test_put_is_idempotent_and_counts_each_user_once(alice_client, bob_client, alice, chat):
    message = send(alice, chat)
    first = alice_client.put(reaction_url(message.pk, "👍"))
    again = alice_client.put(reaction_url(message.pk, "👍"))
    assert first.status_code == again.status_code == 200
    assert again.json()["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    body = bob_client.put(reaction_url(message.pk, "👍")).json()
    assert body["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    assert MessageReaction.objects.count() == 2


def test_delete_is_idempotent(alice_client, alice, chat):
    message = send(alice, chat)
    alice_client.put(reaction_url(message.pk, "🎉"))
    assert alice_client.delete(reaction_url(message.pk, "🎉")).json()["reactions"] == []
    assert alice_client.delete(reaction_url(message.pk, "🎉")).status_code == 200
    assert not MessageReaction.objects.exists()


def test_repeating_a_reaction_publishes_nothing_new(alice_client, alice, bob, chat):
    message = send(alice, chat)
    alice_client.put(reaction_url(message.pk, "👍"))
    alice_client.put(reaction_url(message.pk, "👍"))
    assert len(events_for(bob, "message.reactions")) == 1


@pytest.mark.parametrize("emoji", ["👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "❤️"])
def test_any_single_emoji_grapheme_is_accepted(alice_client, alice, chat, emoji):
    message = send(alice, chat)
    assert alice_client.put(reaction_url(message.pk, emoji)).status_code == 200


@pytest.mark.parametrize("emoji", ["a", "👍👍", ":thumbs_up:", "👍x", " ", "%F0%9F"])
def test_anything_but_one_emoji_is_400_and_stores_nothing(alice_client, alice, chat, emoji):
    message = send(alice, chat)
    error = error_of(alice_client.put(reaction_url(message.pk, emoji)), 400)
    assert error["code"] == "invalid_emoji"
    assert not MessageReaction.objects.exists()


def test_a_heart_with_or_without_the_emoji_selector_is_one_reaction(
    alice_client, bob_client, alice, chat
):
    message = send(alice, chat)
    alice_client.put(reaction_url(message.pk, "❤️"))
    body = bob_client.put(reaction_url(message.pk, "❤")).json()
    assert [reaction["count"] for reaction in body["reactions"]] == [2]


def test_an_outsider_cannot_react_or_see_reactions(alice, chat, carol):
    message = send(alice, chat)
    outsider = client_for(carol)
    assert error_of(outsider.put(reaction_url(message.pk, "👍")), 404)
    assert error_of(outsider.delete(reaction_url(message.pk, "👍")), 404)
    assert error_of(outsider.get(f"/api/v1/messages/{message.pk}/reactions"), 404)
    assert not MessageReaction.objects.exists()


def test_a_deleted_message_takes_no_reactions(alice_client, alice, chat):
    message = send(alice, chat)
    alice_client.delete(f"/api/v1/messages/{message.pk}")
    assert error_of(alice_client.put(reaction_url(message.pk, "👍")), 410)


def test_the_event_gives_each_member_their_own_me(alice, bob, carol):
    dave = UserFactory(username="dave")
    group = group_actions.create_group(
        creator=alice, name="Team", member_ids=[bob.pk, carol.pk, dave.pk]
    )
    message = send(alice, group.conversation)
    client_for(bob).put(reaction_url(message.pk, "👍"))
    clear_events()
    client_for(carol).put(reaction_url(message.pk, "👍"))
    client_for(carol).put(reaction_url(message.pk, "😂"))

    def latest(user):
        return events_for(user, "message.reactions")[-1]

    assert latest(dave) == {
        "conversation_id": group.conversation.pk,
        "message_id": message.pk,
        "reactions": [
            {"emoji": "👍", "count": 2, "me": False},
            {"emoji": "😂", "count": 1, "me": False},
        ],
    }
    assert latest(bob)["reactions"] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "😂", "count": 1, "me": False},
    ]
    assert latest(carol)["reactions"] == [
        {"emoji": "👍", "count": 2, "me": True},
        {"emoji": "😂", "count": 1, "me": True},
    ]


def test_history_carries_reactions_with_me_in_constant_queries(
    alice_client, alice, bob, chat, django_assert_max_num_queries
):
    messages = [send(bob, chat, f"m{index}") for index in range(3)]
    client_for(bob).put(reaction_url(messages[0].pk, "👍"))
    with django_assert_max_num_queries(8) as few:
        alice_client.get(f"/api/v1/conversations/{chat.pk}/messages")
    budget = len(few.captured_queries)  # now: the query log is a bounded deque
    for index in range(30):
        message = send(bob, chat, f"more {index}")
        client_for(bob).put(reaction_url(message.pk, "🔥"))
        alice_client.put(reaction_url(message.pk, "🔥"))
    with django_assert_max_num_queries(budget):
        body = alice_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()
    assert body["results"][0]["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
    assert body["results"][-1]["reactions"] == [{"emoji": "🔥", "count": 2, "me": True}]


def test_who_reacted_lists_people_per_emoji(alice_client, bob_client, alice, bob, chat):
    message = send(alice, chat)
    bob_client.put(reaction_url(message.pk, "👍"))
    alice_client.put(reaction_url(message.pk, "👍"))
    body = alice_client.get(f"/api/v1/messages/{message.pk}/reactions").json()
    (row,) = body["results"]
    assert row["emoji"] == "👍" and row["count"] == 2 and row["me"] is True
    assert [user["username"] for user in row["users"]] == ["bob", "alice"]
