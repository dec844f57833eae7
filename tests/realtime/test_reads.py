"""The async reads of a stream (EventLogStorage.a*: one statement each on the node's loop)
agree with the ORM reads they replace."""

import asyncio

import pytest
from django.db import OperationalError

from realtime import db as realtime_db
from realtime.channel_access import channels_for_user
from realtime.models import StoredEvent, Topic, TopicSubscription
from realtime.storage import storage_instance
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def on_node_loop(read):
    """Run `read()` as a request the node serves would: on the async pool, then close it."""

    async def run():
        realtime_db.served_by_node.set(True)
        try:
            return await read()
        finally:
            await realtime_db.close()

    return asyncio.run(run())


def test_a_stream_open_reads_topics_and_positions_in_one_statement_as_the_orm_does():
    user = UserFactory()
    for name in ("alerts", "news"):
        TopicSubscription.objects.create(user=user, topic=Topic.objects.create(name=name))
    own = [f"user-{user.pk}", "broadcast"]
    storage_instance.append_events([own[0], "topic-news"], "message.new", "{}")

    topics, current = on_node_loop(lambda: storage_instance.atopics_and_current_ids(user.pk, own))
    orm_topics, orm_current = asyncio.run(storage_instance.atopics_and_current_ids(user.pk, own))

    assert sorted(own + topics) == sorted(channels_for_user(user.pk))
    assert sorted(topics) == sorted(orm_topics) == ["topic-alerts", "topic-news"]
    assert current == orm_current == {own[0]: 1, "broadcast": 0, "topic-alerts": 0, "topic-news": 1}


def test_counters_and_catch_up_match_the_orm_including_resets_and_pages():
    storage_instance.append_events(["user-1", "user-2"], "message.new", '{"n":1}')
    for n in range(2, 6):
        storage_instance.append_events(["user-1"], "message.new", f'{{"n":{n}}}')
    storage_instance.append_events(["user-3"], "message.new", "{}")
    storage_instance.append_events(["user-3"], "message.new", "{}")
    StoredEvent.objects.filter(channel="user-3", seq=1).delete()  # past retention

    assert on_node_loop(lambda: storage_instance.acurrent_ids(["user-1", "user-9"])) == {
        "user-1": 5,
        "user-9": 0,
    }
    positions = {"user-1": 1, "user-2": 1, "user-3": 0, "user-4": 7, "user-9": 0}
    expected = storage_instance.read_since(positions, limit=3)
    found = on_node_loop(lambda: storage_instance.aevents_since(positions, limit=3))
    assert {c: [(e.id, e.data) for e in es] for c, es in found.events.items()} == {
        c: [(e.id, e.data) for e in es] for c, es in expected.events.items()
    }
    assert [e.id for e in found.events["user-1"]] == [2, 3, 4]
    assert found.more == expected.more == {"user-1"}
    assert found.resets == expected.resets == {"user-3": 2, "user-4": 0}


def test_outside_the_node_s_handler_the_reads_use_worker_threads():
    # Django's test client runs async views in a throwaway loop: no pool is left behind.
    assert asyncio.run(storage_instance.acurrent_ids(["user-1"])) == {"user-1": 0}
    assert not realtime_db._pools


def test_an_unreachable_database_is_the_same_outage_as_through_django(monkeypatch):
    params, _ = realtime_db._pool_settings()
    monkeypatch.setattr(realtime_db, "_pool_settings", lambda: ({**params, "port": 1}, 0.5))
    with pytest.raises(OperationalError):  # a 503 for the view, a retry for a stream
        on_node_loop(lambda: storage_instance.acurrent_ids(["user-1"]))


def test_a_read_on_the_loop_commits_nothing_afterwards():
    """The loop's connections are in autocommit: a read is its one round trip, and the
    connection goes back to the pool idle (no transaction left to COMMIT)."""
    from psycopg.pq import TransactionStatus

    async def read_then_status():
        async with realtime_db.async_connection() as conn:
            await (await conn.execute("SELECT 1")).fetchall()
            return conn.autocommit, conn.info.transaction_status

    assert on_node_loop(read_then_status) == (True, TransactionStatus.IDLE)
