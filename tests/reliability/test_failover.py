"""Every accepted message reaches every member exactly once, whatever breaks mid-flow.

Real processes only: three daphne nodes behind the docker/ nginx config, PostgreSQL,
Redis, clients that reconnect with Last-Event-ID and senders that retry with the
same client_id.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

import httpx
import pytest

from tests.multinode.conftest import make_pairs
from tests.reliability.flow import assert_exactly_once_in_order, moved_off, run_flow
from tests.servers import PROJECT_ROOT

pytestmark = [pytest.mark.reliability, pytest.mark.multinode]


def test_kill_9_a_node_while_200_users_stream_and_2000_messages_flow(daphne_nodes, nginx_proxy):
    nodes = [daphne_nodes(f"node-{n}", SSE_RETRY_MS="200") for n in (1, 2, 3)]
    proxy = nginx_proxy(nodes)
    pairs = make_pairs(100, prefix="k9-")  # 200 users

    try:
        own, theirs, senders = asyncio.run(
            run_flow(proxy.url, pairs, per_pair=20, during=nodes[1].kill, after_seconds=2.0)
        )
    except Exception:
        for node in nodes:
            print(node.name, node.log_tail(60))
        raise

    assert sum(len(sender.accepted) for sender in senders) == 2000
    assert_exactly_once_in_order(own, theirs, senders)
    moved = moved_off(own + theirs, "node-2")
    assert moved, "no stream had landed on the killed node"
    assert all(stream.nodes[-1] != "node-2" for stream in moved)


def test_restart_redis_mid_flow_without_restarting_a_node(daphne_nodes, nginx_proxy, redis_server):
    env = {"REDIS_URL": redis_server.url, "REALTIME_PING_SECONDS": "0.3", "SSE_RETRY_MS": "200"}
    nodes = [daphne_nodes(f"node-{n}", **env) for n in (1, 2, 3)]
    proxy = nginx_proxy(nodes)
    pairs = make_pairs(20, prefix="redis-")

    own, theirs, senders = asyncio.run(
        run_flow(proxy.url, pairs, per_pair=15, during=lambda: redis_server.restart(down_for=2.0))
    )

    assert sum(len(sender.accepted) for sender in senders) == 300
    assert_exactly_once_in_order(own, theirs, senders)
    assert all(node.is_running() for node in nodes)


def _prepare_private_database(database_url: str, count: int) -> list[SimpleNamespace]:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.reliability.seed_pairs", str(count), "pg-"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [SimpleNamespace(**pair) for pair in json.loads(seeded.stdout)]


def test_restart_postgresql_mid_flow_sends_fail_cleanly_then_succeed(
    daphne_nodes, nginx_proxy, postgres_server
):
    pairs = _prepare_private_database(postgres_server.url, 10)
    env = {"DATABASE_URL": postgres_server.url, "SSE_RETRY_MS": "200"}
    nodes = [daphne_nodes(f"node-{n}", **env) for n in (1, 2)]
    proxy = nginx_proxy(nodes)
    statuses_during_outage: list[int] = []

    def restart_database() -> None:
        postgres_server.stop(mode="immediate")
        response = httpx.post(
            f"{proxy.url}/api/v1/conversations/{pairs[0].conversation_id}/messages",
            json={
                "body": "while the database is down",
                "client_id": "4b0c7b5e-6f0a-4d0e-9d4b-1f2e3a4b5c6d",
            },
            headers={"Authorization": f"Bearer {pairs[0].sender_token}"},
            timeout=15,
        )
        statuses_during_outage.append(response.status_code)
        assert response.json()["error"]["code"] == "service_unavailable"
        time.sleep(1.0)
        postgres_server.start()

    own, theirs, senders = asyncio.run(
        run_flow(proxy.url, pairs, per_pair=15, during=restart_database, after_seconds=1.0)
    )

    assert statuses_during_outage == [503]
    assert sum(len(sender.accepted) for sender in senders) == 150
    assert all(500 not in sender.failures for sender in senders)
    assert_exactly_once_in_order(own, theirs, senders)
    # No partial writes: the database holds exactly the accepted messages (plus none).
    with httpx.Client(base_url=proxy.url, timeout=10) as client:
        for pair, sender in zip(pairs, senders, strict=True):
            history = client.get(
                f"/api/v1/conversations/{pair.conversation_id}/messages",
                params={"page_size": 100},
                headers={"Authorization": f"Bearer {pair.sender_token}"},
            ).json()["results"]
            stored = {message["id"] for message in history}
            assert stored == {message["id"] for message in sender.accepted}
