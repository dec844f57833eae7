"""The event stream on real daphne processes sharing PostgreSQL and Redis."""

import threading
import time

import httpx
import pytest

from tests.realtime.conftest import publish_to_user, subscribe, token_for
from tests.realtime.sse import SSEClient
from tests.waiting import wait_until

pytestmark = pytest.mark.multinode


def stream(node, user, **kwargs) -> SSEClient:
    return SSEClient(f"{node.url}/events/", token=token_for(user), **kwargs).start()


def publish_via_api(
    node, raw_key: str, topic: str, n: int, key: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Api-Key {raw_key}"}
    if key:
        headers["Idempotency-Key"] = key
    return httpx.post(
        f"{node.url}/api/v1/channels/{topic}/publish",
        json={"event": "tick", "data": {"n": n}},
        headers=headers,
        timeout=10,
    )


def test_an_event_published_on_node_a_reaches_a_stream_on_node_b(
    daphne_nodes, stream_users, news_topic, publisher_key
):
    _, bob = stream_users
    subscribe(bob, news_topic)
    node_a, node_b = daphne_nodes("node-a"), daphne_nodes("node-b")

    with stream(node_b, bob) as bob_stream:
        assert publish_via_api(node_a, publisher_key, "news", 1).status_code == 201
        event = bob_stream.next("topic.message", timeout=10)

    assert event.json == {"topic": "news", "event": "tick", "data": {"n": 1}}
    assert event.id and "topic-news:1" in event.id


def test_domain_events_reach_only_their_recipient(daphne_nodes, stream_users):
    alice, bob = stream_users
    node = daphne_nodes("only")
    with stream(node, alice) as alice_stream, stream(node, bob) as bob_stream:
        publish_to_user(alice.id, 1)
        assert alice_stream.next("message.new").json == {"n": 1}
        assert bob_stream.drain(quiet_for=0.5) == []


def test_a_client_cannot_choose_another_users_channel(daphne_nodes, stream_users):
    alice, bob = stream_users
    node = daphne_nodes("nosy")
    nosy = SSEClient(
        f"{node.url}/events/", token=token_for(bob), params={"channel": f"user-{alice.id}"}
    ).start()
    try:
        publish_to_user(alice.id, 1)
        assert nosy.drain(quiet_for=0.7) == []
    finally:
        nosy.close()
    # Resuming with another user's channel in the id is ignored the same way.
    resumed = SSEClient(
        f"{node.url}/events/", token=token_for(bob), last_event_id=f"user-{alice.id}:0"
    ).start()
    try:
        assert resumed.drain(quiet_for=0.5) == []
    finally:
        resumed.close()


def test_reconnecting_on_another_node_replays_missed_events_in_order_once(
    daphne_nodes, stream_users
):
    _, bob = stream_users
    node_a, node_b = daphne_nodes("replay-a"), daphne_nodes("replay-b")

    with stream(node_b, bob) as first:
        publish_to_user(bob.id, 0)
        last_id = first.next("message.new").id

    for n in range(1, 6):
        publish_to_user(bob.id, n)

    with stream(node_a, bob, last_event_id=last_id) as second:
        replayed = second.collect("message.new", 5)
        assert [event.json["n"] for event in replayed] == [1, 2, 3, 4, 5]
        publish_to_user(bob.id, 6)
        assert second.next("message.new").json == {"n": 6}
        assert second.drain(quiet_for=0.5) == []


def test_last_event_id_also_works_as_a_query_parameter(daphne_nodes, stream_users):
    _, bob = stream_users
    node = daphne_nodes("query-id")
    publish_to_user(bob.id, 1)
    publish_to_user(bob.id, 2)
    with stream(node, bob, params={"lastEventID": f"user-{bob.id}:1"}) as resumed:
        assert resumed.next("message.new").json == {"n": 2}


def test_a_resume_id_past_retention_gets_a_stream_reset(daphne_nodes, stream_users):
    from realtime.models import StoredEvent

    _, bob = stream_users
    node = daphne_nodes("reset")
    for n in range(3):
        publish_to_user(bob.id, n)
    StoredEvent.objects.filter(channel=f"user-{bob.id}").delete()
    with stream(node, bob, last_event_id=f"user-{bob.id}:1") as resumed:
        reset = resumed.next("stream-reset")
        assert reset.json == {"channels": [f"user-{bob.id}"]}
        assert f"user-{bob.id}:3" in reset.id


def test_bad_and_missing_tokens_are_refused_before_a_stream_opens(daphne_nodes, stream_users):
    node = daphne_nodes("auth")
    assert httpx.get(f"{node.url}/events/", timeout=5).status_code == 401
    assert httpx.get(f"{node.url}/events/?token=nonsense", timeout=5).status_code == 401
    bad_header = httpx.get(f"{node.url}/events/", headers={"Authorization": "Token x"}, timeout=5)
    assert bad_header.status_code == 401


def test_token_in_the_query_string_opens_the_stream(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("query-token")
    client = SSEClient(f"{node.url}/events/", params={"token": token_for(alice)}).start()
    try:
        assert client.status == 200
        assert client.response_headers["content-type"].startswith("text/event-stream")
        publish_to_user(alice.id, 7)
        assert client.next("message.new").json == {"n": 7}
    finally:
        client.close()


def test_long_poll_returns_a_backlog_at_once_and_wakes_on_a_new_event(daphne_nodes, stream_users):
    alice, _ = stream_users
    node_a, node_b = daphne_nodes("poll-a"), daphne_nodes("poll-b")
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    poll = f"{node_a.url}/api/v1/poll"

    cursor = httpx.get(poll, headers=headers, timeout=5).json()["last_event_id"]
    for n in range(3):
        publish_to_user(alice.id, n)

    # At once: the client gives up (ReadTimeout) long before the poll's own timeout.
    backlog = httpx.get(
        poll, params={"last_event_id": cursor, "timeout": 30}, headers=headers, timeout=10
    )
    body = backlog.json()
    assert [event["data"]["n"] for event in body["events"]] == [0, 1, 2]
    assert body["events"][-1]["id"] == body["last_event_id"]

    woke: dict = {}

    def wait_for_next() -> None:
        response = httpx.get(
            poll,
            params={"last_event_id": body["last_event_id"], "timeout": 30},
            headers=headers,
            timeout=40,
        )
        woke["body"] = response.json()

    waiter = threading.Thread(target=wait_for_next)
    waiter.start()
    wait_until(
        lambda: node_a.metric("parley_long_poll_waits_total") >= 1,
        what="the long poll to be waiting on node-a",
    )
    # Caused through the other node: the wake-up crosses Redis.
    publish_to_user(alice.id, 3)
    waiter.join(timeout=20)  # woken by the event, not by the poll's 30 s timeout
    assert "body" in woke, "the long poll was not woken by the event within 20 s"
    assert [event["data"]["n"] for event in woke["body"]["events"]] == [3]
    assert node_b.is_running()


def test_long_poll_times_out_with_no_events(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("poll-timeout")
    headers = {"Authorization": f"Bearer {token_for(alice)}"}
    cursor = httpx.get(f"{node.url}/api/v1/poll", headers=headers, timeout=5).json()
    started = time.monotonic()
    response = httpx.get(
        f"{node.url}/api/v1/poll",
        params={"last_event_id": cursor["last_event_id"], "timeout": 1},
        headers=headers,
        timeout=5,
    )
    assert time.monotonic() - started > 0.9  # waiting out the timeout is the behaviour
    assert response.json() == {"events": [], "last_event_id": cursor["last_event_id"]}


def test_a_subscriber_gets_topic_events_and_a_non_subscriber_does_not(
    daphne_nodes, stream_users, news_topic, publisher_key
):
    alice, bob = stream_users
    subscribe(alice, news_topic)
    node = daphne_nodes("topics")
    with stream(node, alice) as alice_stream, stream(node, bob) as bob_stream:
        publish_via_api(node, publisher_key, "news", 1)
        assert alice_stream.next("topic.message").json["data"] == {"n": 1}
        assert bob_stream.drain(quiet_for=0.5) == []


def test_broadcast_reaches_every_connected_client(daphne_nodes, stream_users, publisher_key):
    alice, bob = stream_users
    node_a, node_b = daphne_nodes("bc-a"), daphne_nodes("bc-b")
    with stream(node_a, alice) as alice_stream, stream(node_b, bob) as bob_stream:
        publish_via_api(node_a, publisher_key, "broadcast", 1)
        assert alice_stream.next("topic.message").json["topic"] == "broadcast"
        assert bob_stream.next("topic.message").json["data"] == {"n": 1}


def test_subscribing_makes_open_streams_reconnect_to_pick_up_the_topic(
    daphne_nodes, stream_users, news_topic
):
    alice, _ = stream_users
    node = daphne_nodes("resubscribe")
    with stream(node, alice) as alice_stream:
        response = httpx.post(
            f"{node.url}/api/v1/channels/news/subscribe",
            headers={"Authorization": f"Bearer {token_for(alice)}"},
            timeout=5,
        )
        assert response.status_code == 200
        event = alice_stream.next("stream-reconnect")
        assert event.json["reason"] == "channels-changed"
        assert alice_stream.ended.wait(5)


def test_per_user_stream_cap(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("capped", SSE_MAX_STREAMS_PER_USER="2")
    first, second = stream(node, alice), stream(node, alice)
    try:
        third = SSEClient(f"{node.url}/events/", token=token_for(alice)).start()
        assert third.status == 429
        assert third.body and "too_many_streams" in third.body
        third.close()
    finally:
        first.close()
        second.close()


def test_node_stream_cap_answers_503_with_retry_after(daphne_nodes, stream_users):
    alice, bob = stream_users
    node = daphne_nodes("full", SSE_MAX_STREAMS_PER_NODE="1")
    with stream(node, alice):
        refused = SSEClient(f"{node.url}/events/", token=token_for(bob)).start()
        assert refused.status == 503
        assert refused.response_headers["retry-after"] == "5"
        refused.close()


def test_sigterm_tells_open_streams_to_reconnect_then_exits(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("draining")
    with stream(node, alice) as alice_stream:
        publish_to_user(alice.id, 1)
        last_id = alice_stream.next("message.new").id
        node.process.send_signal(15)
        event = alice_stream.next("stream-reconnect", timeout=5)
        assert event.json["reason"] == "shutdown"
        assert event.retry and event.retry > 0
        assert event.id == last_id
    assert node.process.wait(timeout=10) == 0


def test_presence_marks_a_streaming_user_online_and_offline_after(daphne_nodes, stream_users):
    from realtime import presence

    def eventually_online(expected: set[int]) -> None:
        # Nodes apply presence in batches of 0.2 s.
        wait_until(
            lambda: presence.online_user_ids([alice.id]) == expected,
            what=f"alice's presence to read {'online' if expected else 'offline'}",
        )

    alice, _ = stream_users
    node = daphne_nodes("presence")
    with stream(node, alice):
        eventually_online({alice.id})
    eventually_online(set())
    alice.refresh_from_db()
    assert alice.last_seen is not None
