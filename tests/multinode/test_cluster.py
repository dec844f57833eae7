"""Three daphne nodes behind nginx on PostgreSQL and Redis, as in docker/docker-compose.yml."""

import asyncio
import re
import uuid

import httpx
import pytest

from tests.multinode.conftest import make_pairs
from tests.realtime.sse import SSEClient
from tests.reliability.flow import assert_exactly_once_in_order, moved_off, run_flow

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


def test_a_killed_nodes_clients_reconnect_through_nginx_and_lose_nothing(cluster):
    nodes, proxy = cluster
    pairs = make_pairs(12, prefix="kill")
    own, theirs, senders = asyncio.run(
        run_flow(proxy.url, pairs, per_pair=10, during=nodes[1].kill)
    )
    assert_exactly_once_in_order(own, theirs, senders)
    moved = moved_off(own + theirs, "node-2")
    assert moved, "no stream had landed on the killed node"
    assert all(s.connects >= 2 and s.nodes[-1] != "node-2" for s in moved)


def test_a_drained_node_moves_its_clients_and_exits_cleanly(cluster):
    nodes, proxy = cluster
    pairs = make_pairs(9, prefix="drain")
    own, theirs, senders = asyncio.run(
        run_flow(proxy.url, pairs, per_pair=8, during=nodes[0].terminate)
    )
    assert_exactly_once_in_order(own, theirs, senders)
    assert nodes[0].process.returncode == 0
    moved = moved_off(own + theirs, "node-1")
    assert moved and all(s.nodes[-1] != "node-1" for s in moved)


def test_node_metrics_move_with_the_traffic(cluster):
    nodes, proxy = cluster
    before_open = sum(metric(n, "parley_sse_connections_total") for n in nodes)
    before_delivered = sum(
        metric(n, "parley_events_delivered_total", '{type="message.new"}') for n in nodes
    )
    pairs = make_pairs(3, prefix="metrics")
    own, theirs, senders = asyncio.run(run_flow(proxy.url, pairs, per_pair=3, during=lambda: None))
    assert_exactly_once_in_order(own, theirs, senders)
    assert sum(metric(n, "parley_sse_connections_total") for n in nodes) >= before_open + 6
    delivered = sum(
        metric(n, "parley_events_delivered_total", '{type="message.new"}') for n in nodes
    )
    assert delivered >= before_delivered + 18
    assert sum(metric(n, "parley_events_published_total", '{type="message.new"}') for n in nodes)
    latency = sum(metric(n, "parley_delivery_latency_seconds_count") for n in nodes)
    assert latency >= 9


def test_the_send_rate_limit_is_shared_by_all_nodes(daphne_nodes):
    env = {"THROTTLE_SEND": "5/min"}
    node_a, node_b = daphne_nodes("send-a", **env), daphne_nodes("send-b", **env)
    (pair,) = make_pairs(1, prefix="limit")
    statuses = []
    for n, node in enumerate([node_a, node_b] * 4):
        response = httpx.post(
            f"{node.url}/api/v1/conversations/{pair.conversation_id}/messages",
            json={"body": f"message {n}", "client_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {pair.sender_token}"},
            timeout=10,
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 5 + [429] * 3
    assert response.json()["error"]["code"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0


def test_messages_sent_are_counted(cluster):
    nodes, proxy = cluster
    (pair,) = make_pairs(1, prefix="counted")
    before = sum(metric(n, "parley_messages_sent_total", '{kind="direct"}') for n in nodes)
    for n in range(3):
        httpx.post(
            f"{proxy.url}/api/v1/conversations/{pair.conversation_id}/messages",
            json={"body": f"m{n}", "client_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {pair.sender_token}"},
            timeout=10,
        )
    after = sum(metric(n, "parley_messages_sent_total", '{kind="direct"}') for n in nodes)
    assert after == before + 3
