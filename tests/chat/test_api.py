import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from chat import actions
from chat.api.serializers import ConversationDetailSerializer, ConversationSerializer
from chat.api.serializers import MessageSerializer as MessageShape
from chat.models import Message
from groups import actions as group_actions
from groups.models import Role
from tests.chat.helpers import direct, events_for, send
from tests.factories import MessageFactory, UserFactory
from tests.helpers import client_for, error_of, post_message

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/api/v1/conversations"


def messages_url(conversation) -> str:
    return f"{CONVERSATIONS}/{conversation.pk}/messages"


@pytest.fixture
def carol_client(carol):
    return client_for(carol)


# --- opening and listing conversations ---------------------------------------------


def test_opening_a_direct_conversation_is_201_then_200_with_the_same_id(
    alice_client, bob_client, alice, bob
):
    created = alice_client.post(CONVERSATIONS, {"user_id": bob.pk}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["kind"] == "direct" and body["title"] == "Bob"
    assert body["peer"]["id"] == bob.pk
    assert body["unread_count"] == 0 and body["last_message"] is None
    again = bob_client.post(CONVERSATIONS, {"user_id": alice.pk}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"] and again.json()["title"] == "Alice"


@pytest.mark.parametrize(
    ("payload", "status"),
    [({}, 400), ({"user_id": "x"}, 400), ({"user_id": 0}, 400), ({"user_id": 10**20}, 400)],
)
def test_opening_needs_a_valid_user_id(alice_client, payload, status):
    error = error_of(alice_client.post(CONVERSATIONS, payload, format="json"), status)
    assert "user_id" in error["fields"]


def test_opening_with_oneself_or_a_stranger_fails(alice_client, alice):
    error_of(alice_client.post(CONVERSATIONS, {"user_id": alice.pk}, format="json"), 400)
    error = error_of(alice_client.post(CONVERSATIONS, {"user_id": 999_999}, format="json"), 404)
    assert error["code"] == "user_not_found"


def test_conversations_need_authentication(api_client, chat):
    error_of(api_client.get(CONVERSATIONS), 401)
    error_of(api_client.get(messages_url(chat)), 401)


def test_list_is_newest_activity_first_with_last_message_and_unread(
    alice_client, alice, bob, carol
):
    with_bob = direct(alice, bob)
    with_carol = direct(alice, carol)
    group = group_actions.create_group(creator=carol, name="Team", member_ids=[alice.pk])
    send(bob, with_bob, "old")
    send(alice, group.conversation, "middle")
    send(carol, with_carol, "one")
    send(carol, with_carol, "two")

    results = alice_client.get(CONVERSATIONS).json()["results"]
    assert [row["id"] for row in results] == [
        with_carol.pk,
        group.conversation_id,
        with_bob.pk,
    ]
    first, middle, last = results
    assert first["title"] == "Carol" and first["unread_count"] == 2
    assert first["last_message"]["body"] == "two"
    assert first["last_message"]["status"] is None  # not the caller's message
    assert middle["title"] == "Team" and middle["group"]["name"] == "Team"
    assert middle["kind"] == "group" and middle["peer"] is None
    assert middle["unread_count"] == 0
    assert middle["last_message"]["status"] == "sent"
    assert last["unread_count"] == 1
    assert set(first) == set(ConversationSerializer().fields)
    assert set(first["last_message"]) == set(MessageShape().fields)


def test_list_shows_the_status_of_the_callers_last_message(alice_client, alice, bob, chat):
    message = send(alice, chat)

    def status() -> str:
        return alice_client.get(CONVERSATIONS).json()["results"][0]["last_message"]["status"]

    assert status() == "sent"
    actions.mark_delivered_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    assert status() == "delivered"
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    assert status() == "read"


def test_list_leaves_out_groups_the_caller_left(alice_client, alice, bob):
    group = group_actions.create_group(creator=bob, name="g", member_ids=[alice.pk])
    group_actions.leave_group(user=alice, group_id=group.pk)
    assert alice_client.get(CONVERSATIONS).json()["count"] == 0


def test_list_has_constant_queries(alice_client, alice, django_assert_max_num_queries):
    for _ in range(3):
        send(alice, direct(alice, UserFactory()))
    # 6, plus the last messages' extras (mentions, attachments, reactions) and mention badges.
    with django_assert_max_num_queries(10) as small:
        assert alice_client.get(CONVERSATIONS).status_code == 200
    for _ in range(25):
        other = UserFactory()
        send(other, direct(alice, other))
    group = group_actions.create_group(creator=alice, name="g", member_ids=[])
    send(alice, group.conversation)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = alice_client.get(CONVERSATIONS)
    assert response.json()["count"] == 29


def test_conversation_detail_lists_members_and_their_pointers(
    alice_client, alice, bob, chat, django_assert_max_num_queries
):
    message = send(alice, chat)
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    with django_assert_max_num_queries(11):  # 7, plus the last message's extras and badges
        response = alice_client.get(f"{CONVERSATIONS}/{chat.pk}")
    body = response.json()
    assert set(body) == set(ConversationDetailSerializer().fields)
    pointers = {row["user"]["username"]: row for row in body["members"]}
    assert pointers["bob"]["last_read_message_id"] == message.pk
    bob.send_read_receipts = False
    bob.save()
    body = alice_client.get(f"{CONVERSATIONS}/{chat.pk}").json()
    bob_row = next(row for row in body["members"] if row["user"]["id"] == bob.pk)
    assert bob_row["last_read_message_id"] is None
    assert bob_row["last_delivered_message_id"] == message.pk


# --- outsiders and former members ------------------------------------------------------


def test_outsider_gets_404_for_every_conversation_operation(carol_client, alice, chat):
    message = send(alice, chat)
    base = f"{CONVERSATIONS}/{chat.pk}"
    responses = [
        carol_client.get(base),
        carol_client.get(f"{base}/messages"),
        post_message(carol_client, chat),
        carol_client.post(f"{base}/delivered", {"up_to": message.pk}, format="json"),
        carol_client.post(f"{base}/read", {"up_to": message.pk}, format="json"),
        carol_client.post(f"{base}/typing"),
        carol_client.patch(f"/api/v1/messages/{message.pk}", {"body": "x"}, format="json"),
        carol_client.delete(f"/api/v1/messages/{message.pk}"),
        carol_client.get(f"/api/v1/messages/{message.pk}/receipts"),
    ]
    for response in responses:
        error_of(response, 404)
    assert Message.objects.count() == 1


def test_unknown_ids_are_404(alice_client):
    error_of(alice_client.get(f"{CONVERSATIONS}/999999/messages"), 404)
    error_of(alice_client.get(f"{CONVERSATIONS}/99999999999999999999999/messages"), 404)
    error_of(alice_client.delete("/api/v1/messages/999999"), 404)


def test_removed_member_can_read_nothing_any_more(alice, bob, carol, carol_client):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    message = send(bob, group.conversation)
    group_actions.remove_member(actor=alice, group_id=group.pk, user_id=carol.pk)
    error_of(carol_client.get(messages_url(group.conversation)), 404)
    error_of(post_message(carol_client, group.conversation), 404)
    error_of(carol_client.get(f"/api/v1/messages/{message.pk}/receipts"), 404)
    assert carol_client.get(CONVERSATIONS).json()["count"] == 0


# --- history ---------------------------------------------------------------------------


def test_history_is_newest_last_and_pages_backwards_and_forwards(alice_client, alice, chat):
    sent = [send(alice, chat, f"m{i}") for i in range(7)]
    ids = [message.pk for message in sent]

    latest = alice_client.get(messages_url(chat), {"page_size": 3}).json()
    assert [row["id"] for row in latest["results"]] == ids[-3:]
    assert latest["next"] is None
    older = alice_client.get(latest["previous"]).json()
    assert [row["id"] for row in older["results"]] == ids[1:4]
    oldest = alice_client.get(older["previous"]).json()
    assert [row["id"] for row in oldest["results"]] == ids[:1]
    assert oldest["previous"] is None

    newer = alice_client.get(messages_url(chat), {"after": ids[1], "page_size": 2}).json()
    assert [row["id"] for row in newer["results"]] == ids[2:4]
    assert [row["id"] for row in alice_client.get(newer["next"]).json()["results"]] == ids[4:6]
    from_start = alice_client.get(messages_url(chat), {"after": 0, "page_size": 2}).json()
    assert [row["id"] for row in from_start["results"]] == ids[:2]
    assert from_start["previous"] is None


@pytest.mark.parametrize(
    "query",
    [
        {"before": "x"},
        {"after": -1},
        {"before": 5, "after": 3},
        {"page_size": 0},
        {"page_size": 500},
    ],
)
def test_history_refuses_bad_cursors(alice_client, chat, query):
    error_of(alice_client.get(messages_url(chat), query), 400)


def test_history_shows_deleted_messages_without_their_body(alice_client, bob_client, alice, chat):
    message = send(alice, chat, "secret")
    actions.delete_message(user=alice, message_id=message.pk)
    (row,) = bob_client.get(messages_url(chat)).json()["results"]
    assert row["is_deleted"] is True and row["body"] == "" and row["deleted_at"]


def test_history_status_follows_the_other_members_acks(alice_client, alice, bob, carol):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    conversation = group.conversation
    first = send(alice, conversation)
    second = send(alice, conversation)
    from_bob = send(bob, conversation)
    for user in (bob, carol):
        actions.mark_delivered_up_to(user=user, conversation_id=conversation.pk, up_to=second.pk)
    actions.mark_read_up_to(user=bob, conversation_id=conversation.pk, up_to=first.pk)
    actions.mark_read_up_to(user=carol, conversation_id=conversation.pk, up_to=from_bob.pk)
    rows = alice_client.get(messages_url(conversation)).json()["results"]
    assert [(row["id"], row["status"]) for row in rows] == [
        (first.pk, "read"),
        (second.pk, "delivered"),
        (from_bob.pk, None),
    ]


def test_history_has_constant_queries(
    alice_client, alice, bob, chat, django_assert_max_num_queries
):
    send(alice, chat)
    # 5, plus the extras of the page (mentions, attachments, reactions; quotes when replies).
    with django_assert_max_num_queries(8) as few:
        alice_client.get(messages_url(chat))
    MessageFactory.create_batch(60, conversation=chat, author=bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(messages_url(chat), {"page_size": 60})
    assert len(response.json()["results"]) == 60


# --- sending -----------------------------------------------------------------------------


def test_send_is_201_and_a_repeated_client_id_is_200_with_the_same_message(alice_client, bob, chat):
    client_id = str(uuid.uuid4())
    first = post_message(alice_client, chat, "  hello  ", client_id=client_id)
    assert first.status_code == 201
    body = first.json()
    assert body["body"] == "hello" and body["status"] == "sent"
    assert body["client_id"] == client_id
    assert set(body) == set(MessageShape().fields)
    again = post_message(alice_client, chat, "hello again", client_id=client_id)
    assert again.status_code == 200
    assert again.json()["id"] == body["id"] and again.json()["body"] == "hello"
    assert Message.objects.count() == 1
    (event,) = events_for(bob, "message.new")
    assert event["message"] == body


def test_a_send_costs_the_same_few_queries_in_a_direct_chat_and_a_big_group(
    alice, alice_client, chat, django_assert_max_num_queries
):
    members = UserFactory.create_batch(40)
    team = group_actions.create_group(
        creator=alice, name="Team", member_ids=[u.pk for u in members]
    )
    # The send's three statements (chat.actions.sending) plus the DRF view's own: the
    # authenticated user, and the throttle's nothing (Redis). No query per recipient.
    with django_assert_max_num_queries(6) as direct_send:
        assert post_message(alice_client, chat).status_code == 201
    with django_assert_max_num_queries(len(direct_send.captured_queries)):
        assert post_message(alice_client, team.conversation).status_code == 201
    assert len(events_for(members[-1], "message.new")) == 1


def test_an_outsider_sending_a_bad_body_still_gets_404(carol_client, chat):
    error = error_of(carol_client.post(messages_url(chat), {"body": ""}, format="json"), 404)
    assert error["fields"] == {}


@pytest.mark.parametrize(
    "payload",
    [
        {"client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": "", "client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": "   ", "client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": None, "client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": 12, "client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": ["hi"], "client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": {"text": "hi"}, "client_id": "00000000-0000-4000-8000-000000000000"},
        {"body": "x" * 4001, "client_id": "00000000-0000-4000-8000-000000000000"},
    ],
)
def test_send_refuses_a_bad_body(alice_client, chat, payload):
    error = error_of(alice_client.post(messages_url(chat), payload, format="json"), 400)
    assert "body" in error["fields"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("client_id", [None, "", "not-a-uuid", 5])
def test_send_needs_a_uuid_client_id(alice_client, chat, client_id):
    payload = {"body": "hi"} if client_id is None else {"body": "hi", "client_id": client_id}
    error = error_of(alice_client.post(messages_url(chat), payload, format="json"), 400)
    assert "client_id" in error["fields"]


def test_send_accepts_the_maximum_length(alice_client, chat):
    assert post_message(alice_client, chat, "x" * 4000).status_code == 201


def test_send_refuses_a_non_object_body(alice_client, chat):
    error_of(alice_client.post(messages_url(chat), ["hi"], format="json"), 400)


def test_reusing_a_client_id_in_another_conversation_is_409(alice_client, alice, carol, chat):
    client_id = str(uuid.uuid4())
    post_message(alice_client, chat, "a", client_id=client_id)
    other = direct(alice, carol)
    error = error_of(post_message(alice_client, other, "b", client_id=client_id), 409)
    assert error["code"] == "client_id_reused"


def test_sending_is_rate_limited(alice_client, chat, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "send", "3/min")
    statuses = [post_message(alice_client, chat).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    # Reading is not limited by the send rate.
    assert alice_client.get(messages_url(chat)).status_code == 200


# --- acks ------------------------------------------------------------------------------


def test_delivered_and_read_return_the_pointers_and_never_go_back(bob_client, alice, chat):
    first = send(alice, chat)
    second = send(alice, chat)
    base = f"{CONVERSATIONS}/{chat.pk}"
    delivered = bob_client.post(f"{base}/delivered", {"up_to": second.pk}, format="json")
    assert delivered.status_code == 200
    assert delivered.json() == {
        "conversation_id": chat.pk,
        "last_delivered_message_id": second.pk,
        "last_read_message_id": 0,
        "unread_count": 2,
    }
    read = bob_client.post(f"{base}/read", {"up_to": first.pk}, format="json").json()
    assert read["last_read_message_id"] == first.pk and read["unread_count"] == 1
    back = bob_client.post(f"{base}/delivered", {"up_to": first.pk}, format="json").json()
    assert back["last_delivered_message_id"] == second.pk
    again = bob_client.post(f"{base}/read", {"up_to": first.pk}, format="json").json()
    assert again == read
    assert bob_client.get(CONVERSATIONS).json()["results"][0]["unread_count"] == 1


@pytest.mark.parametrize("payload", [{}, {"up_to": "x"}, {"up_to": 0}, {"up_to": 10**19}])
def test_acks_need_a_valid_up_to(bob_client, chat, payload):
    for path in ("delivered", "read"):
        response = bob_client.post(f"{CONVERSATIONS}/{chat.pk}/{path}", payload, format="json")
        assert "up_to" in error_of(response, 400)["fields"]


def test_acks_refuse_a_message_of_another_conversation(bob_client, alice, carol, chat):
    elsewhere = send(alice, direct(alice, carol))
    response = bob_client.post(
        f"{CONVERSATIONS}/{chat.pk}/read", {"up_to": elsewhere.pk}, format="json"
    )
    error_of(response, 400)


def test_unread_count_drops_when_an_unread_message_is_deleted(
    alice_client, bob_client, alice, chat
):
    send(alice, chat)
    message = send(alice, chat)
    assert alice_client.delete(f"/api/v1/messages/{message.pk}").status_code == 204
    assert bob_client.get(CONVERSATIONS).json()["results"][0]["unread_count"] == 1


# --- typing ------------------------------------------------------------------------------


def test_typing_is_204_and_rate_limited(alice_client, chat, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "typing", "2/min")
    url = f"{CONVERSATIONS}/{chat.pk}/typing"
    assert [alice_client.post(url).status_code for _ in range(3)] == [204, 204, 429]


# --- edit and delete -------------------------------------------------------------------------


def test_author_edits_a_message(alice_client, alice, chat):
    message = send(alice, chat, "helo")
    response = alice_client.patch(
        f"/api/v1/messages/{message.pk}", {"body": "hello"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["body"] == "hello" and response.json()["edited_at"]


def test_edit_denials(alice_client, bob_client, alice, chat, settings):
    message = send(alice, chat, "typo")
    url = f"/api/v1/messages/{message.pk}"
    assert error_of(bob_client.patch(url, {"body": "x"}, format="json"), 403)["code"] == (
        "not_the_author"
    )
    assert "body" in error_of(alice_client.patch(url, {"body": " "}, format="json"), 400)["fields"]
    assert "body" in error_of(alice_client.patch(url, {"body": 3}, format="json"), 400)["fields"]
    later = timezone.now() + settings.MESSAGE_EDIT_WINDOW + dt.timedelta(minutes=1)
    with time_machine.travel(later):
        # A fresh token: the one from before would have expired too.
        error = error_of(client_for(alice).patch(url, {"body": "fixed"}, format="json"), 403)
    assert error["code"] == "edit_window_closed"
    actions.delete_message(user=alice, message_id=message.pk)
    assert error_of(alice_client.patch(url, {"body": "x"}, format="json"), 410)["code"] == (
        "message_deleted"
    )


def test_delete_by_author_and_group_admins_only(alice, bob, carol):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    by_carol = send(carol, group.conversation)
    by_alice = send(alice, group.conversation)
    error = error_of(client_for(bob).delete(f"/api/v1/messages/{by_alice.pk}"), 403)
    assert error["code"] == "permission_denied"
    assert client_for(alice).delete(f"/api/v1/messages/{by_carol.pk}").status_code == 204
    group_actions.change_role(actor=alice, group_id=group.pk, user_id=bob.pk, role=Role.ADMIN)
    assert client_for(bob).delete(f"/api/v1/messages/{by_alice.pk}").status_code == 204
    # A repeated delete is harmless.
    assert client_for(bob).delete(f"/api/v1/messages/{by_alice.pk}").status_code == 204


def test_the_other_person_cannot_delete_in_a_direct_chat(bob_client, alice, chat):
    message = send(alice, chat)
    error_of(bob_client.delete(f"/api/v1/messages/{message.pk}"), 403)


# --- receipts ----------------------------------------------------------------------------------


def test_receipts_per_member(alice_client, alice, bob, carol):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[bob.pk, carol.pk])
    message = send(alice, group.conversation)
    actions.mark_read_up_to(user=bob, conversation_id=group.conversation_id, up_to=message.pk)
    body = alice_client.get(f"/api/v1/messages/{message.pk}/receipts").json()
    assert body["message_id"] == message.pk
    rows = {row["user"]["username"]: row for row in body["results"]}
    assert set(rows) == {"bob", "carol"}
    assert rows["bob"]["delivered_at"] and rows["bob"]["read_at"]
    assert rows["carol"]["delivered_at"] is None and rows["carol"]["read_at"] is None


def test_receipts_hide_read_times_of_members_with_read_receipts_off(alice_client, alice, bob, chat):
    bob.send_read_receipts = False
    bob.save()
    message = send(alice, chat)
    actions.mark_read_up_to(user=bob, conversation_id=chat.pk, up_to=message.pk)
    (row,) = alice_client.get(f"/api/v1/messages/{message.pk}/receipts").json()["results"]
    assert row["delivered_at"] and row["read_at"] is None


def test_receipts_of_a_deleted_message_are_gone(alice_client, alice, chat):
    message = send(alice, chat)
    actions.delete_message(user=alice, message_id=message.pk)
    error_of(alice_client.get(f"/api/v1/messages/{message.pk}/receipts"), 410)


def test_receipts_have_constant_queries(alice_client, alice, django_assert_max_num_queries):
    group = group_actions.create_group(creator=alice, name="g", member_ids=[])
    lone = send(alice, group.conversation)
    with django_assert_max_num_queries(5) as few:
        alice_client.get(f"/api/v1/messages/{lone.pk}/receipts")
    members = UserFactory.create_batch(30)
    group_actions.add_members(actor=alice, group_id=group.pk, user_ids=[u.pk for u in members])
    message = send(alice, group.conversation)
    url = f"/api/v1/messages/{message.pk}/receipts"
    for user in members[:10]:
        actions.mark_read_up_to(user=user, conversation_id=group.conversation_id, up_to=message.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get(url)
    assert len(response.json()["results"]) == 30
