"""Hostile input where the transport matters: real daphne nodes, real sockets.

The in-process tests (test_inputs.py) cover what the views do with bad input; these cover
what only a live node shows: the long-lived endpoints served by realtime's own ASGI
handler, request lines and headers that the HTTP server itself parses, and bodies that
cross the wire.
"""

from __future__ import annotations

import asyncio
import json
import socket
from urllib.parse import quote

import aiohttp
import httpx
import pytest
from django.db import transaction
from django.test import Client

import realtime
from tests.factories import UserFactory
from tests.realtime.conftest import token_for
from tests.servers import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.multinode

GARBAGE_RESUME_IDS = [
    "9" * 5000,  # longer than any id: refused before parsing
    f"user-1:{2**63}",  # beyond BIGINT
    f"user-1:{'9' * 4000}",  # thousands of digits
    "user-1:-5",
    "user-1:abc",
    "user-1:1.5",
    "user-1",
    ":::,,,",
    "user-1:1," * 400,
]


def _stream_status(url: str, **kwargs) -> tuple[int, str]:
    """The status and (for a refusal) body of a GET on a stream URL, without reading a stream."""
    with httpx.stream("GET", url, timeout=httpx.Timeout(10, read=3), **kwargs) as response:
        if response.status_code == 200:
            return 200, ""
        return response.status_code, response.read().decode()


def _raw_exchange(port: int, request: bytes, *, timeout: float = 10.0) -> bytes:
    """Send raw bytes, return what the server answers (b"" when it only hangs up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        received = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
    return received


@pytest.fixture
def user(transactional_db):
    return UserFactory(username="hostile-live")


@pytest.mark.parametrize("resume_id", GARBAGE_RESUME_IDS, ids=range(len(GARBAGE_RESUME_IDS)))
def test_garbage_and_huge_last_event_ids_are_a_400_on_the_stream_and_the_long_poll(
    daphne_nodes, user, resume_id
):
    node = daphne_nodes("resume-ids")
    auth = {"Authorization": f"Bearer {token_for(user)}"}

    header_status, header_body = _stream_status(
        f"{node.url}/events/", headers={**auth, "Last-Event-ID": resume_id}
    )
    query_status, _ = _stream_status(
        f"{node.url}/events/?lastEventId={quote(resume_id)}", headers=auth
    )
    poll = httpx.get(
        f"{node.url}/api/v1/poll",
        params={"last_event_id": resume_id, "timeout": "0"},
        headers=auth,
        timeout=10,
    )

    assert (header_status, query_status, poll.status_code) == (400, 400, 400)
    assert json.loads(header_body)["error"]["code"] == "invalid_last_event_id"
    assert poll.json()["error"]["code"] == "invalid_last_event_id"


def test_thousands_of_channel_params_are_ignored_never_honored(daphne_nodes, user):
    other = UserFactory(username="hostile-other")
    node = daphne_nodes("channels")
    # ~900 channels fit in the HTTP server's request line: the stream opens with the
    # caller's own channels only.
    channels = [f"user-{other.pk}", "broadcast", *(f"user-{n}" for n in range(1, 900))]
    query = "&".join(f"channel={quote(name)}" for name in channels)
    auth = {"Authorization": f"Bearer {token_for(user)}"}

    received: list[dict] = []
    with httpx.stream(
        "GET", f"{node.url}/events/?{query}", headers=auth, timeout=httpx.Timeout(10, read=5)
    ) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert any(line == "event: stream-open" for line in lines)
        # Published in this order: a stream that honoured the parameters would see
        # the other user's event before the caller's own.
        with transaction.atomic():
            realtime.publish("message.new", {"for": "other"}, user_ids=[other.pk])
        with transaction.atomic():
            realtime.publish("message.new", {"for": "me"}, user_ids=[user.pk])
        event = None
        for line in lines:
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "message.new":
                received.append(json.loads(line.removeprefix("data: ")))
                if received[-1] == {"for": "me"}:
                    break

    assert received == [{"for": "me"}]


def test_a_request_line_with_thousands_more_channels_is_refused_by_the_server(daphne_nodes, user):
    node = daphne_nodes("channel-flood")
    query = "&".join(f"channel=user-{n}" for n in range(5000))
    request = (
        f"GET /events/?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token_for(user)}\r\nConnection: close\r\n\r\n"
    ).encode()

    answer = _raw_exchange(node.port, request)

    # Twisted refuses an over-long request line: at most a 4xx, never a stream or a 5xx.
    assert not answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert not answer.startswith(b"HTTP/1.1 5"), answer[:200]
    assert node.is_running()


@pytest.mark.parametrize(
    ("path", "header"),
    [
        ("/api/v1/notifications/push-subscriptions", "User-Agent"),
        ("/api/v1/channels/news/publish", "Idempotency-Key"),
        ("/api/v1/auth/me", "X-Anything"),
    ],
)
def test_a_nul_byte_in_a_header_is_refused_by_the_http_server(daphne_nodes, user, path, header):
    node = daphne_nodes("nul-header")
    body = b"{}"
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token_for(user)}\r\nContent-Length: {len(body)}\r\n"
        f"Connection: close\r\n{header}: a\x00b\r\n\r\n"
    ).encode() + body

    answer = _raw_exchange(node.port, request)

    # Never reaches Django, where PostgreSQL would refuse to store the NUL.
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_a_ten_megabyte_json_body_is_a_413_in_the_error_shape(daphne_nodes, user):
    node = daphne_nodes("big-body")
    body = json.dumps({"name": "x" * (10 * 1024 * 1024), "member_ids": []})

    response = httpx.post(
        f"{node.url}/api/v1/groups",
        content=body,
        headers={"Authorization": f"Bearer {token_for(user)}", "Content-Type": "application/json"},
        timeout=30,
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert node.is_running()


def test_stream_and_long_poll_answer_503_while_the_database_is_unreachable(daphne_nodes, user):
    # Nothing listens on this port: every connection attempt is refused at once.
    dead_database = f"postgres://postgres@127.0.0.1:{free_port()}/parley"
    node = daphne_nodes("no-database", wait=False, DATABASE_URL=dead_database, DB_POOL_TIMEOUT="1")
    auth = {"Authorization": f"Bearer {token_for(user)}"}

    def polled():
        try:
            return httpx.get(
                f"{node.url}/api/v1/poll", params={"timeout": "0"}, headers=auth, timeout=30
            )
        except httpx.ConnectError:  # not listening yet
            assert node.is_running(), node.log_tail()
            return None

    poll = wait_until(polled, what="the node to listen")

    with httpx.stream("GET", f"{node.url}/events/", headers=auth, timeout=30) as stream:
        stream_status, stream_body = stream.status_code, stream.read().decode()

    assert poll.status_code == 503
    assert poll.headers["Retry-After"] == "2"
    assert poll.json()["error"]["code"] == "service_unavailable"
    assert stream_status == 503
    assert json.loads(stream_body)["error"]["code"] == "service_unavailable"


def test_a_websocket_riding_a_session_cookie_from_another_site_is_refused(daphne_nodes, user):
    node = daphne_nodes("ws-origin")
    browser = Client()
    browser.force_login(user)
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            # Cross-site WebSocket hijacking: the browser would attach the cookie anyway.
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(
                    f"{node.url}/ws/", origin="https://evil.example", headers=cookie
                )
            own = await session.ws_connect(f"{node.url}/ws/", origin=node.url, headers=cookie)
            await own.close()

    asyncio.run(scenario())


def test_nginx_serves_metrics_to_the_local_scraper_only(daphne_nodes, nginx_proxy):
    node = daphne_nodes("metrics-node")
    proxy = nginx_proxy([node])
    outsider = httpx.HTTPTransport(local_address="127.0.0.2")  # any address but 127.0.0.1

    with httpx.Client(timeout=10, transport=outsider) as client:
        refused = client.get(f"{proxy.url}/metrics")
    local = httpx.get(f"{proxy.url}/metrics", timeout=10)

    assert refused.status_code == 403
    assert local.status_code == 200 and "parley_" in local.text
