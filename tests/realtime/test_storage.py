import threading

import pytest
from django.db import connection, transaction
from django_eventstream.storage import EventDoesNotExist

import realtime
from realtime.models import ChannelCounter, StoredEvent
from realtime.storage import storage_instance

pytestmark = pytest.mark.django_db


def test_append_gives_each_channel_its_next_id():
    first = storage_instance.append_events(["user-1", "user-2"], "message.new", '{"n":1}')
    second = storage_instance.append_events(["user-2"], "message.new", '{"n":2}')
    assert {(e.channel, e.id) for e in first} == {("user-1", 1), ("user-2", 1)}
    assert [(e.channel, e.id) for e in second] == [("user-2", 2)]
    assert storage_instance.get_current_ids(["user-1", "user-2", "user-3"]) == {
        "user-1": 1,
        "user-2": 2,
        "user-3": 0,
    }


def test_a_500_member_fan_out_costs_the_same_queries_as_a_5_member_one(
    django_assert_max_num_queries,
):
    with django_assert_max_num_queries(2):  # counters, insert
        storage_instance.append_events([f"user-{n}" for n in range(5)], "message.new", "{}")
    with django_assert_max_num_queries(2):
        storage_instance.append_events([f"user-{n}" for n in range(500)], "message.new", "{}")
    assert StoredEvent.objects.count() == 505
    assert ChannelCounter.objects.get(channel="user-3").last_id == 2


def test_a_batch_stores_every_event_in_two_statements_in_publish_order(
    django_assert_max_num_queries,
):
    storage_instance.append_events(["user-2"], "message.new", '{"n":0}')
    with django_assert_max_num_queries(2):
        events = storage_instance.append_batch(
            [
                (["user-2", "user-1"], "message.new", '{"n":1}'),
                (["user-1"], "message.new", '{"n":2}'),
                (["user-2"], "notification.new", '{"n":3}'),
            ]
        )
    assert [(e.channel, e.id, e.data) for e in events] == [
        ("user-1", 1, '{"n":1}'),
        ("user-2", 2, '{"n":1}'),
        ("user-1", 2, '{"n":2}'),
        ("user-2", 3, '{"n":3}'),
    ]
    assert [e.type for e in storage_instance.get_events("user-2", 1)] == [
        "message.new",
        "notification.new",
    ]


def test_batched_publishes_are_stored_together_and_discarded_with_an_error(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as pushes,
        transaction.atomic(),
        django_assert_max_num_queries(3),  # the check inside, then counters and insert
        realtime.batched(),
    ):
        realtime.publish("message.new", {"n": 1}, user_ids=[1, 2])
        with realtime.batched():  # nested: stored by the outer block
            realtime.publish("notification.new", {"n": 2}, user_ids=[2])
        assert not StoredEvent.objects.exists()
    assert [(e.channel, e.seq) for e in StoredEvent.objects.order_by("channel", "seq")] == [
        ("user-1", 1),
        ("user-2", 1),
        ("user-2", 2),
    ]
    assert len(pushes) == 1  # one pipelined push after commit
    with pytest.raises(RuntimeError), realtime.batched():
        realtime.publish("message.new", {"n": 3}, user_ids=[1])
        raise RuntimeError
    assert StoredEvent.objects.count() == 3


def test_events_after_a_position_come_in_order():
    for n in range(5):
        storage_instance.append_events(["user-9"], "message.new", f'{{"n":{n}}}')
    events = storage_instance.get_events("user-9", 2)
    assert [(e.id, e.data) for e in events] == [(3, '{"n":2}'), (4, '{"n":3}'), (5, '{"n":4}')]
    assert storage_instance.get_events("user-9", 5) == []


def test_a_position_past_retention_asks_for_a_reset():
    for _ in range(3):
        storage_instance.append_events(["user-9"], "message.new", "{}")
    StoredEvent.objects.filter(channel="user-9", seq__lte=2).delete()
    with pytest.raises(EventDoesNotExist) as gone:
        storage_instance.get_events("user-9", 1)
    assert gone.value.current_id == 3
    assert [e.id for e in storage_instance.get_events("user-9", 2)] == [3]


def test_a_position_from_the_future_asks_for_a_reset():
    storage_instance.append_events(["user-9"], "message.new", "{}")
    with pytest.raises(EventDoesNotExist):
        storage_instance.get_events("user-9", 999_999)


def test_read_since_reads_only_channels_that_moved(django_assert_max_num_queries):
    storage_instance.append_events(["user-1", "broadcast"], "message.new", "{}")
    storage_instance.append_events(["user-1"], "message.new", "{}")
    with django_assert_max_num_queries(2):  # counters, then user-1 only
        catchup = storage_instance.read_since({"user-1": 0, "broadcast": 1, "topic-x": 0})
    assert [e.id for e in catchup.events["user-1"]] == [1, 2]
    assert "broadcast" not in catchup.events
    assert not catchup.resets


def test_read_since_pages_long_backlogs():
    for _ in range(5):
        storage_instance.append_events(["user-1"], "message.new", "{}")
    catchup = storage_instance.read_since({"user-1": 0}, limit=3)
    assert [e.id for e in catchup.events["user-1"]] == [1, 2, 3]
    assert catchup.more == {"user-1"}


def test_publish_is_stored_with_the_transaction_and_rolled_back_with_it():
    with transaction.atomic():
        realtime.publish("message.new", {"body": "kept"}, user_ids=[1, 2])
    with pytest.raises(RuntimeError), transaction.atomic():
        realtime.publish("message.new", {"body": "lost"}, user_ids=[1, 2])
        raise RuntimeError("the action failed")
    assert list(StoredEvent.objects.values_list("channel", "data").order_by("channel")) == [
        ("user-1", '{"body":"kept"}'),
        ("user-2", '{"body":"kept"}'),
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_each_channels_ids_unique_and_gapless():
    channels = ["user-1", "user-2", "broadcast"]
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for n in range(25):
                # Different channel orders per thread: sorted locking must prevent deadlocks.
                ordered = channels[offset % 3 :] + channels[: offset % 3]
                with transaction.atomic():
                    storage_instance.append_events(ordered, "message.new", f'{{"n":{n}}}')
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    for channel in channels:
        seqs = list(
            StoredEvent.objects.filter(channel=channel)
            .order_by("seq")
            .values_list("seq", flat=True)
        )
        assert seqs == list(range(1, 201))
