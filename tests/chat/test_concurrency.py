"""Real threads, each with its own database connection, racing on one conversation."""

import threading
import uuid

import pytest
from django.db import connection

from chat.models import Conversation, Membership, Message
from tests.chat.helpers import direct
from tests.helpers import client_for

THREADS = 20


def race(worker, count: int = THREADS) -> list:
    """Run `worker(index)` in `count` threads released together; returns their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = worker(index)
        except Exception as exc:  # a crash must fail the test, not vanish with the thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sends_with_overlapping_client_ids_make_no_duplicates(alice, bob):
    conversation = direct(alice, bob)
    # Five client ids, each sent by four threads at once.
    client_ids = [str(uuid.uuid4()) for _ in range(5)]
    url = f"/api/v1/conversations/{conversation.pk}/messages"

    # Tokens are made up front: the threads' connections are for the sends alone.
    clients = [client_for(alice) for _ in range(THREADS)]

    def send(index: int):
        response = clients[index].post(
            url,
            {"body": f"attempt {index}", "client_id": client_ids[index % 5]},
            format="json",
        )
        return response.status_code, response.json()["id"]

    results = race(send)
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [status for status, _ in results]
    assert sorted(statuses) == [200] * 15 + [201] * 5
    ids_by_client = {}
    for index, (_, message_id) in enumerate(results):
        ids_by_client.setdefault(client_ids[index % 5], set()).add(message_id)
    assert all(len(ids) == 1 for ids in ids_by_client.values())

    assert Message.objects.count() == 5
    assert Membership.objects.get(conversation=conversation, user=bob).unread_count == 5
    newest = Message.objects.order_by("-id").first()
    assert Conversation.objects.get(pk=conversation.pk).last_message_id == newest.pk


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_both_sides_opening_at_once_get_one_conversation(alice, bob):
    users = [alice, bob] * 5

    clients = [client_for(user) for user in users]

    def open_direct(index: int):
        other = bob if users[index] == alice else alice
        response = clients[index].post(
            "/api/v1/conversations", {"user_id": other.pk}, format="json"
        )
        return response.status_code, response.json()["id"]

    results = race(open_direct, count=len(users))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(status for status, _ in results) == [200] * 9 + [201]
    assert len({conversation_id for _, conversation_id in results}) == 1
    assert Conversation.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_reads_never_move_the_pointer_backwards(alice, bob):
    conversation = direct(alice, bob)
    client = client_for(alice)
    ids = [
        client.post(
            f"/api/v1/conversations/{conversation.pk}/messages",
            {"body": str(n), "client_id": str(uuid.uuid4())},
            format="json",
        ).json()["id"]
        for n in range(10)
    ]

    clients = [client_for(bob) for _ in range(THREADS)]

    def read(index: int):
        response = clients[index].post(
            f"/api/v1/conversations/{conversation.pk}/read",
            {"up_to": ids[index % 10]},
            format="json",
        )
        return response.status_code

    assert race(read) == [200] * THREADS
    membership = Membership.objects.get(conversation=conversation, user=bob)
    assert membership.last_read_message_id == ids[-1]
    assert membership.last_delivered_message_id == ids[-1]
    assert membership.unread_count == 0
    assert bob.message_receipts.count() == 10
