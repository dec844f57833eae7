"""Three daphne nodes behind nginx on PostgreSQL and Redis, as in docker/docker-compose.yml."""

import asyncio
import re
import uuid

import aiohttp
import httpx
import pytest

from tests.multinode.conftest import make_pairs
from tests.realtime.sse import SSEClient
from tests.reliability.clients import ResilientStream, Sender

pytestmark = pytest.mark.multinode


def metric(node, name: str, labels: str = "") -> float:
    text = httpx.get(f"{node.url}/metrics", timeout=5).text
    pattern = rf"^{re.escape(name)}{re.escape(labels)} ([0-9.e+]+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_streams_spread_over_the_nodes_and_a_message_crosses_them(cluster):
    _nodes, proxy = cluster
    pairs = make_pairs(3, prefix="spread")
    streams = []
    try:
        for pair in pairs:
            for token in (pair.sender_token, pair.recipient_token):
                streams.append(
                    SSEClient(f"{proxy.url}/events/", token=token).start(wait_open=False)
                )
        opened = [stream.next("stream-open").json["node"] for stream in streams]
        assert set(opened) == {"node-1", "node-2", "node-3"}

        # A sender and a recipient on different nodes.
        user_ids = [user_id for p in pairs for user_id in (p.sender.pk, p.recipient.pk)]
        by_user = dict(zip(user_ids, opened, strict=True))
        pair = next(p for p in pairs if by_user[p.sender.pk] != by_user[p.recipient.pk])
        recipient_stream = streams[2 * pairs.index(pair) + 1]
        sent = httpx.post(
            f"{proxy.url}/api/v1/conversations/{pair.conversation_id}/messages",
            json={"body": "across the cluster", "client_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {pair.sender_token}"},
            timeout=10,
        )
        assert sent.status_code == 201
        arrived = recipient_stream.next("message.new")
        assert arrived.json["message"]["body"] == "across the cluster"
    finally:
        for stream in streams:
            stream.close()


async def _flow(proxy, pairs, *, per_pair: int, during) -> tuple[list, list]:
    """Stream every recipient, send `per_pair` messages per pair, run `during` midway."""
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        streams = [ResilientStream(proxy.url, pair.recipient_token) for pair in pairs]
        readers = [asyncio.create_task(stream.run(session, stop)) for stream in streams]
        await asyncio.wait_for(asyncio.gather(*(s.opened.wait() for s in streams)), 20)
        senders = [Sender(proxy.url, pair.sender_token) for pair in pairs]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60

        async def send_all(index: int) -> None:
            for n in range(per_pair):
                body = f"{index}:{n}"
                await senders[index].send(
                    session, pairs[index].conversation_id, body, deadline=deadline
                )

        sending = asyncio.gather(*(send_all(i) for i in range(len(pairs))))
        await asyncio.sleep(0.3)
        await asyncio.to_thread(during)
        await sending
        expected = len(pairs) * per_pair
        while sum(len(s.received) for s in streams) < expected and loop.time() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # anything extra (a duplicate) would arrive now
        stop.set()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return streams, senders


def assert_exactly_once_in_order(pairs, streams, senders) -> None:
    for pair, stream, sender in zip(pairs, streams, senders, strict=True):
        accepted = [message["id"] for message in sender.accepted]
        received = [message["id"] for message in stream.received]
        assert received == accepted, (pair.recipient.username, sender.failures)


def test_a_killed_nodes_clients_reconnect_through_nginx_and_lose_nothing(cluster):
    nodes, proxy = cluster
    pairs = make_pairs(12, prefix="kill")
    streams, senders = asyncio.run(_flow(proxy, pairs, per_pair=10, during=nodes[1].kill))
    assert_exactly_once_in_order(pairs, streams, senders)
    moved = [s for s in streams if s.nodes[0] == "node-2"]
    assert moved, "no stream had landed on the killed node"
    assert all(s.connects >= 2 and s.nodes[-1] != "node-2" for s in moved)


def test_a_drained_node_moves_its_clients_and_exits_cleanly(cluster):
    nodes, proxy = cluster
    pairs = make_pairs(9, prefix="drain")
    streams, senders = asyncio.run(_flow(proxy, pairs, per_pair=8, during=nodes[0].terminate))
    assert_exactly_once_in_order(pairs, streams, senders)
    assert nodes[0].process.returncode == 0
    moved = [s for s in streams if s.nodes[0] == "node-1"]
    assert moved and all(s.nodes[-1] != "node-1" for s in moved)


def test_node_metrics_move_with_the_traffic(cluster):
    nodes, proxy = cluster
    before_open = sum(metric(n, "parley_sse_connections_total") for n in nodes)
    before_delivered = sum(
        metric(n, "parley_events_delivered_total", '{type="message.new"}') for n in nodes
    )
    pairs = make_pairs(3, prefix="metrics")
    streams, senders = asyncio.run(_flow(proxy, pairs, per_pair=3, during=lambda: None))
    assert_exactly_once_in_order(pairs, streams, senders)
    assert sum(metric(n, "parley_sse_connections_total") for n in nodes) >= before_open + 3
    delivered = sum(
        metric(n, "parley_events_delivered_total", '{type="message.new"}') for n in nodes
    )
    assert delivered >= before_delivered + 9
    assert sum(metric(n, "parley_events_published_total", '{type="message.new"}') for n in nodes)
    latency = sum(metric(n, "parley_delivery_latency_seconds_count") for n in nodes)
    assert latency >= 9
