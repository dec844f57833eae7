"""The process harness (tests/servers.py) itself: nodes, nginx from docker/, a restartable Redis."""

import httpx
import pytest
import redis

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.multinode


def test_each_node_answers_health_with_its_own_node_id(daphne_nodes):
    one = daphne_nodes("node-one")
    two = daphne_nodes("node-two")

    for node in (one, two):
        response = httpx.get(f"{node.url}/health", timeout=5)
        assert response.status_code == 200
        assert response.headers["X-Parley-Node"] == node.name
        assert response.json()["node"] == node.name
        assert response.json()["checks"]["database"] == "ok"
        assert node.rss_bytes() > 10 * 1024 * 1024


def test_nginx_round_robins_between_nodes_without_stickiness(daphne_nodes, nginx_proxy):
    one, two = daphne_nodes("rr-one"), daphne_nodes("rr-two")
    proxy = nginx_proxy([one, two])

    with httpx.Client(timeout=5) as client:
        seen = [client.get(f"{proxy.url}/health").headers["X-Parley-Node"] for _ in range(6)]

    assert set(seen) == {"rr-one", "rr-two"}
    # Round robin alternates even on one keep-alive client connection.
    assert seen[0] != seen[1]


def test_nginx_skips_a_killed_node(daphne_nodes, nginx_proxy):
    one, two = daphne_nodes("alive"), daphne_nodes("doomed")
    proxy = nginx_proxy([one, two])

    two.kill()

    with httpx.Client(timeout=5) as client:
        responses = [client.get(f"{proxy.url}/health") for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 6
    assert {r.headers["X-Parley-Node"] for r in responses} == {"alive"}


def test_nodes_see_rows_the_test_committed(daphne_nodes):
    user = UserFactory(username="committed")
    node = daphne_nodes("db-reader")

    login = httpx.post(
        f"{node.url}/api/v1/auth/login",
        json={"username": user.username, "password": PASSWORD},
        timeout=10,
    )

    assert login.status_code == 200, login.text
    assert login.json()["user"]["id"] == user.id


def test_a_terminated_node_exits(daphne_nodes):
    node = daphne_nodes("short-lived")
    assert node.terminate() is not None
    assert not node.is_running()


def test_redis_server_restarts_on_the_same_port(redis_server):
    client = redis.Redis.from_url(redis_server.url, socket_timeout=2)
    assert client.ping()
    port = redis_server.port

    redis_server.stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(redis_server.url, socket_timeout=1).ping()

    redis_server.restart()
    assert redis_server.port == port
    assert redis.Redis.from_url(redis_server.url, socket_timeout=2).ping()


def test_a_node_can_use_a_private_redis(daphne_nodes, redis_server):
    node = daphne_nodes("own-redis", REDIS_URL=redis_server.url)

    ready = httpx.get(f"{node.url}/health/ready", timeout=10)

    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["channel_layer"] == "ok"
