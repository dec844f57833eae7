"""Blocking (API.md, "Accounts"): no direct conversation or message between the two sides."""

import pytest

from accounts.models import Block
from groups import actions as group_actions
from tests.chat.helpers import direct
from tests.factories import UserFactory
from tests.helpers import error_of, post_message

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/api/v1/conversations"


def block_url(user) -> str:
    return f"/api/v1/users/{user.pk}/block"


def test_a_blocked_user_cannot_open_a_direct_conversation_with_the_blocker(
    alice_client, bob, bob_client, alice
):
    assert alice_client.post(block_url(bob)).status_code == 204
    error = error_of(bob_client.post(CONVERSATIONS, {"user_id": alice.pk}, format="json"), 403)
    assert error["code"] == "blocked"


def test_a_blocked_user_cannot_write_to_an_existing_direct_conversation(
    alice_client, alice, bob, bob_client
):
    chat = direct(alice, bob)
    assert post_message(bob_client, chat).status_code == 201
    alice_client.post(block_url(bob))
    error = error_of(post_message(bob_client, chat, "still there?"), 403)
    assert error["code"] == "blocked"
    assert chat.messages.count() == 1


def test_the_blocker_cannot_write_either_until_they_unblock(alice_client, alice, bob):
    chat = direct(alice, bob)
    alice_client.post(block_url(bob))
    error = error_of(post_message(alice_client, chat), 403)
    assert "unblock" in error["message"]
    assert alice_client.delete(block_url(bob)).status_code == 204
    assert post_message(alice_client, chat).status_code == 201


def test_blocking_leaves_shared_groups_alone(alice_client, alice, bob, bob_client):
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk])
    alice_client.post(block_url(bob))
    assert post_message(bob_client, team.conversation).status_code == 201


def test_blocked_users_are_hidden_from_search_both_ways(alice_client, alice, bob, bob_client):
    alice_client.post(block_url(bob))
    assert alice_client.get("/api/v1/users", {"search": "bob"}).json()["results"] == []
    assert bob_client.get("/api/v1/users", {"search": "alice"}).json()["results"] == []
    alice_client.delete(block_url(bob))
    results = alice_client.get("/api/v1/users", {"search": "bob"}).json()["results"]
    assert [user["username"] for user in results] == ["bob"]


def test_the_blocked_list_shows_whom_the_caller_blocked(alice_client, alice, bob, bob_client):
    carol = UserFactory(username="carol")
    alice_client.post(block_url(bob))
    alice_client.post(block_url(carol))
    listed = alice_client.get("/api/v1/users/blocked").json()["results"]
    assert [user["username"] for user in listed] == ["carol", "bob"]
    assert bob_client.get("/api/v1/users/blocked").json()["results"] == []


def test_blocking_twice_and_unblocking_twice_are_harmless(alice_client, alice, bob):
    assert alice_client.post(block_url(bob)).status_code == 204
    assert alice_client.post(block_url(bob)).status_code == 204
    assert Block.objects.filter(blocker=alice, blocked=bob).count() == 1
    assert alice_client.delete(block_url(bob)).status_code == 204
    assert alice_client.delete(block_url(bob)).status_code == 204
    assert not Block.objects.exists()


def test_one_cannot_block_oneself_or_a_missing_user(alice_client, alice):
    error_of(alice_client.post(block_url(alice)), 400)
    error_of(alice_client.post("/api/v1/users/999999/block"), 404)
    error_of(alice_client.post("/api/v1/users/99999999999999999999/block"), 404)


def test_blocking_needs_authentication(api_client, bob):
    error_of(api_client.post(block_url(bob)), 401)


def test_the_user_search_keeps_a_fixed_number_of_queries(
    alice_client, alice, django_assert_max_num_queries
):
    for user in UserFactory.create_batch(3, password=None):
        alice_client.post(block_url(user))
    UserFactory.create_batch(3, password=None)
    with django_assert_max_num_queries(4) as few:
        alice_client.get("/api/v1/users")
    UserFactory.create_batch(10, password=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        alice_client.get("/api/v1/users")
