"""(d) A client that stops reading cannot grow a node's memory without bound."""

import socket

import httpx
import pytest
from django.db import transaction

import realtime
from tests.realtime.conftest import token_for
from tests.realtime.sse import SSEClient
from tests.waiting import wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.multinode]

PADDING = "x" * 4000


def open_and_stop_reading(node, token: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", node.port))
    request = f"GET /events/?token={token} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    sock.sendall(request.encode())
    assert sock.recv(64).startswith(b"HTTP/1.1 200")
    return sock


def open_streams(node) -> int:
    return httpx.get(f"{node.url}/health", timeout=5).json()["open_streams"]


def test_a_client_that_stops_reading_is_dropped_and_resumes_without_loss(
    daphne_nodes, stream_users
):
    alice, _ = stream_users
    node = daphne_nodes("slow", SSE_MAX_BUFFER_BYTES="131072", SSE_STALL_SECONDS="2")
    sock = open_and_stop_reading(node, token_for(alice))
    rss_before = node.rss_bytes()

    total = 2000  # about 8 MB of events: far beyond the kernel's socket buffers
    for start in range(0, total, 100):
        with transaction.atomic():
            for n in range(start, start + 100):
                realtime.publish("message.new", {"n": n, "pad": PADDING}, user_ids=[alice.id])

    wait_until(lambda: open_streams(node) == 0, what="the stalled stream to be dropped")
    grown = node.rss_bytes() - rss_before
    assert grown < 40 * 1024 * 1024, f"node grew {grown / 1e6:.1f} MB for one stalled client"
    metrics = httpx.get(f"{node.url}/metrics", timeout=5).text
    assert "parley_sse_slow_consumer_disconnects_total 1.0" in metrics

    # What the client did receive ends at an event boundary it can resume from.
    # The node hung up: what the client had received ends somewhere mid-event.
    sock.settimeout(5)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    sock.close()
    complete = received.decode(errors="replace").split("\n\n")[:-1]
    ids = [
        line[4:]
        for event in complete
        if "event: message.new" in event
        for line in event.splitlines()
        if line.startswith("id: ")
    ]
    last_id = ids[-1] if ids else f"user-{alice.id}:0"
    seen = len(ids)

    with SSEClient(f"{node.url}/events/", token=token_for(alice), last_event_id=last_id) as resumed:
        rest = [resumed.next("message.new", timeout=10).json["n"] for _ in range(total - seen)]
    assert rest == list(range(seen, total))
