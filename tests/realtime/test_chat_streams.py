"""Chat over the real-time layer: two users on two daphne nodes, the REST API on both."""

import uuid

import httpx
import pytest

from tests.realtime.conftest import token_for
from tests.realtime.test_streams import stream

pytestmark = pytest.mark.multinode


def api(node, user) -> httpx.Client:
    return httpx.Client(
        base_url=f"{node.url}/api/v1",
        headers={"Authorization": f"Bearer {token_for(user)}"},
        timeout=10,
    )


def test_a_message_sent_on_node_a_reaches_the_recipient_on_node_b_with_receipts(
    daphne_nodes, stream_users
):
    alice, bob = stream_users
    node_a, node_b = daphne_nodes("chat-a"), daphne_nodes("chat-b")

    with api(node_a, alice) as alice_api, api(node_b, bob) as bob_api:
        conversation = alice_api.post("/conversations", json={"user_id": bob.id}).json()
        with stream(node_a, alice) as alice_stream, stream(node_b, bob) as bob_stream:
            sent = alice_api.post(
                f"/conversations/{conversation['id']}/messages",
                json={"body": "hello from node A", "client_id": str(uuid.uuid4())},
            )
            assert sent.status_code == 201
            message = sent.json()

            arrived = bob_stream.next("message.new")
            assert arrived.json["message"]["id"] == message["id"]
            assert arrived.json["message"]["body"] == "hello from node A"

            ack = bob_api.post(
                f"/conversations/{conversation['id']}/delivered", json={"up_to": message["id"]}
            )
            assert ack.status_code in (200, 204)
            delivered = alice_stream.next("message.delivered")
            assert delivered.json["up_to"] == message["id"]
            assert delivered.json["user_id"] == bob.id

            bob_api.post(f"/conversations/{conversation['id']}/read", json={"up_to": message["id"]})
            read = alice_stream.next("message.read")
            assert read.json["up_to"] == message["id"]

            notification = bob_stream.next("notification.new")
            assert notification.json


def test_an_outsider_stream_never_sees_the_conversation(daphne_nodes, stream_users):
    from tests.factories import UserFactory

    alice, bob = stream_users
    eve = UserFactory(username="s-eve")
    node = daphne_nodes("outsider")
    with api(node, alice) as alice_api:
        conversation = alice_api.post("/conversations", json={"user_id": bob.id}).json()
        with stream(node, eve) as eve_stream:
            alice_api.post(
                f"/conversations/{conversation['id']}/messages",
                json={"body": "private", "client_id": str(uuid.uuid4())},
            )
            assert eve_stream.drain(quiet_for=0.7) == []
        with api(node, eve) as eve_api:
            assert eve_api.get(f"/conversations/{conversation['id']}/messages").status_code == 404


def test_contacts_hear_presence_and_typing_across_nodes(daphne_nodes, stream_users):
    alice, bob = stream_users
    node_a, node_b = daphne_nodes("presence-a"), daphne_nodes("presence-b")
    with api(node_a, alice) as alice_api:
        conversation = alice_api.post("/conversations", json={"user_id": bob.id}).json()
        with stream(node_b, bob) as bob_stream:
            with stream(node_a, alice):
                came = bob_stream.next("presence", timeout=5)
                assert came.json["user_id"] == alice.id and came.json["online"] is True
                assert came.id is None  # ephemeral: never replayed

                typing = alice_api.post(f"/conversations/{conversation['id']}/typing")
                assert typing.status_code in (200, 202, 204)
                event = bob_stream.next("typing")
                assert event.json["user_id"] == alice.id
                assert event.json["conversation_id"] == conversation["id"]
            went = bob_stream.next("presence", timeout=5)
            assert went.json["online"] is False and went.json["last_seen"]
