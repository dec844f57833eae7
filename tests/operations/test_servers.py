"""The process harness (tests/servers.py) itself: nodes, nginx from docker/, a restartable Redis."""

import httpx
import pytest
import redis

from tests.factories import PASSWORD, UserFactory
from tests.servers import PROJECT_ROOT

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


def test_nginx_serves_collected_static_files_itself_and_falls_back_to_the_nodes(
    daphne_nodes, nginx_proxy, tmp_path
):
    static_root = tmp_path / "collected"
    (static_root / "css").mkdir(parents=True)
    (static_root / "css" / "only-in-nginx.abc123.css").write_text("body { color: red }")
    node = daphne_nodes("static-node")
    proxy = nginx_proxy([node], static_root=static_root)

    from_nginx = httpx.get(f"{proxy.url}/static/css/only-in-nginx.abc123.css", timeout=5)
    assert from_nginx.status_code == 200
    assert from_nginx.text == "body { color: red }"
    assert "immutable" in from_nginx.headers["Cache-Control"]
    # Only responses from a node carry the request id back.
    assert "X-Request-ID" not in from_nginx.headers

    # Not collected for nginx: the node's WhiteNoise serves it.
    from_node = httpx.get(f"{proxy.url}/static/css/parley.css", timeout=5)
    assert from_node.status_code == 200
    assert from_node.text == (PROJECT_ROOT / "static" / "css" / "parley.css").read_text()
    assert "X-Request-ID" in from_node.headers


def test_nginx_passes_the_request_id_and_client_address(daphne_nodes, nginx_proxy):
    node = daphne_nodes("headers-node")
    proxy = nginx_proxy([node])

    minted = httpx.get(f"{proxy.url}/health", timeout=5)
    kept = httpx.get(f"{proxy.url}/health", headers={"X-Request-ID": "from-client-1"}, timeout=5)

    assert len(minted.headers["X-Request-ID"]) == 32
    assert kept.headers["X-Request-ID"] == "from-client-1"
