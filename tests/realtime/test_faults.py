"""Real-time delivery through a Redis restart, and the WebSocket transport."""

import asyncio
import json

import aiohttp
import httpx
import pytest

from tests.realtime.conftest import publish_to_user, subscribe, token_for
from tests.realtime.sse import SSEClient
from tests.realtime.test_streams import publish_via_api, stream
from tests.waiting import wait_until

pytestmark = pytest.mark.multinode


def test_delivery_resumes_after_redis_restarts_and_the_gap_is_replayed(
    daphne_nodes, redis_server, stream_users, news_topic, publisher_key
):
    _, bob = stream_users
    subscribe(bob, news_topic)
    env = {"REDIS_URL": redis_server.url, "REALTIME_PING_SECONDS": "0.3"}
    node_a, node_b = daphne_nodes("redis-a", **env), daphne_nodes("redis-b", **env)

    with stream(node_b, bob) as bob_stream:
        assert publish_via_api(node_a, publisher_key, "news", 1).status_code == 201
        assert bob_stream.next("topic.message").json["data"] == {"n": 1}

        errors_before = node_b.metric("parley_channel_layer_errors_total")
        redis_server.stop()
        # Accepted while Redis is down: stored in PostgreSQL, the live push fails.
        for n in (2, 3):
            assert publish_via_api(node_a, publisher_key, "news", n).status_code == 201
        # Redis comes back only once bob's node has seen it gone (its pings fail).
        wait_until(
            lambda: node_b.metric("parley_channel_layer_errors_total") > errors_before,
            what="node-b to notice that Redis is down",
        )
        redis_server.start()

        replayed = bob_stream.collect("topic.message", 2, timeout=15)
        assert [event.json["data"]["n"] for event in replayed] == [2, 3]

        # Live delivery works again without restarting either node.
        numbers = iter(range(4, 1000))

        def delivered_live():
            publish_via_api(node_a, publisher_key, "news", next(numbers))
            try:
                return bob_stream.next("topic.message", timeout=1)
            except TimeoutError:
                return None

        delivered = wait_until(delivered_live, what="a live delivery after Redis came back")
        assert node_a.is_running() and node_b.is_running()
        # Exactly once: nothing already delivered comes again; later ones arrive in order.
        rest = [delivered.json["data"]["n"]] + [
            event.json["data"]["n"] for event in bob_stream.drain(quiet_for=1.0)
        ]
        assert rest == sorted(set(rest))
        assert min(rest) >= 4


def test_websocket_carries_the_same_events_and_resumes(daphne_nodes, stream_users):
    alice, _ = stream_users
    node_a, node_b = daphne_nodes("ws-a"), daphne_nodes("ws-b")
    token = token_for(alice)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{node_a.url}/ws/?token={token}") as ws:
                opened = json.loads((await ws.receive(timeout=5)).data)
                assert opened["event"] == "stream-open"
                await asyncio.to_thread(publish_to_user, alice.id, 1)
                first = json.loads((await ws.receive(timeout=5)).data)
                assert first["event"] == "message.new" and first["data"] == {"n": 1}
                last_id = first["id"]

            for n in (2, 3):
                await asyncio.to_thread(publish_to_user, alice.id, n)

            url = f"{node_b.url}/ws/?token={token}&lastEventId={last_id}"
            async with session.ws_connect(url) as ws:
                assert json.loads((await ws.receive(timeout=5)).data)["event"] == "stream-open"
                replayed = [json.loads((await ws.receive(timeout=5)).data) for _ in range(2)]
                assert [frame["data"]["n"] for frame in replayed] == [2, 3]

            # Refused before the socket opens: daphne answers the handshake with 403.
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(f"{node_b.url}/ws/?token=bad")
            assert refused.value.status == 403
            # A session-less, token-less socket from a foreign origin is refused too.
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(f"{node_b.url}/ws/", origin="https://evil.example")

    asyncio.run(scenario())


def test_rate_limit_on_publishing_is_shared_by_all_nodes(
    daphne_nodes, stream_users, news_topic, publisher_key
):
    env = {"THROTTLE_PUBLISH": "6/min"}
    node_a, node_b = daphne_nodes("limit-a", **env), daphne_nodes("limit-b", **env)
    statuses = [
        publish_via_api(node, publisher_key, "news", n).status_code
        for n, node in enumerate([node_a, node_b] * 4)
    ]
    assert statuses[:6] == [201] * 6
    assert statuses[6:] == [429, 429]
    limited = publish_via_api(node_b, publisher_key, "news", 99)
    assert int(limited.headers["Retry-After"]) > 0


def test_a_stream_survives_a_quiet_period_with_heartbeats(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("heartbeat", SSE_HEARTBEAT_SECONDS="1")
    client = SSEClient(f"{node.url}/events/", token=token_for(alice)).start()
    try:
        assert client.next("keep-alive", timeout=3)
        publish_to_user(alice.id, 1)
        assert client.next("message.new").json == {"n": 1}
    finally:
        client.close()
    assert httpx.get(f"{node.url}/health", timeout=5).json()["open_streams"] == 0
