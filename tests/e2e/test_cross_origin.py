"""CORS in a real browser: a page from another origin uses Parley with a bearer token.

The page is served by a plain static server on its own port (so its origin differs from the
node's); only that origin is in the node's CORS_ALLOWED_ORIGINS. Everything the page does is
a real cross-origin fetch or EventSource, judged by Chromium's own CORS checks.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from chat.actions import get_or_create_direct_conversation
from tests.e2e.conftest import _browser
from tests.factories import PASSWORD, UserFactory
from tests.servers import LOCALHOST

pytestmark = pytest.mark.e2e

PAGE = "<!doctype html><title>partner app</title><h1>A partner's app on its own origin</h1>"

LOGIN = """async ([api, username, password]) => {
  const response = await fetch(`${api}/api/v1/auth/login`, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({username, password}),
  });
  return (await response.json()).access;
}"""

STREAM = """([api, token]) => new Promise((resolve, reject) => {
  window.received = [];
  const source = new EventSource(`${api}/events/?token=${encodeURIComponent(token)}`);
  source.addEventListener("message.new", (event) => window.received.push(JSON.parse(event.data)));
  source.addEventListener("stream-open", () => resolve(true));
  source.onerror = () => { source.close(); reject(new Error("EventSource failed")); };
})"""

SEND = """async ([api, token, conversationId, body]) => {
  const response = await fetch(`${api}/api/v1/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: {
      "Authorization": `Bearer ${token}`,
      "Content-Type": "application/json",
      "Idempotency-Key": crypto.randomUUID(),
    },
    body: JSON.stringify({body, client_id: crypto.randomUUID()}),
  });
  return {status: response.status, node: response.headers.get("X-Parley-Node")};
}"""

REFUSED_FETCH = """async ([api, username, password]) => {
  try {
    await fetch(`${api}/api/v1/auth/login`, {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username, password}),
    });
    return "answered";
  } catch (error) {
    return `refused: ${error.name}`;
  }
}"""

REFUSED_STREAM = """([api, token]) => new Promise((resolve) => {
  const source = new EventSource(`${api}/events/?token=${encodeURIComponent(token)}`);
  source.onopen = () => { source.close(); resolve("opened"); };
  source.onerror = () => { source.close(); resolve("refused"); };
})"""


@pytest.fixture
def static_origin(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """`make() -> origin`: a static page server on a fresh port, i.e. a new browser origin."""
    (tmp_path / "index.html").write_text(PAGE)
    servers: list[ThreadingHTTPServer] = []

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    def make() -> str:
        handler = functools.partial(QuietHandler, directory=str(tmp_path))
        server = ThreadingHTTPServer((LOCALHOST, 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://{LOCALHOST}:{server.server_address[1]}"

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def cross_origin_setup(daphne_nodes, static_origin, monkeypatch):
    allowed, refused = static_origin(), static_origin()
    node = daphne_nodes("node-1", CORS_ALLOWED_ORIGINS=allowed)
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bob")
    conversation, _ = get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    return node, allowed, refused, conversation, alice


@pytest.fixture
def chromium(cross_origin_setup, monkeypatch):
    yield from _browser(monkeypatch)


def test_a_listed_origin_logs_in_streams_and_sends_with_a_token(cross_origin_setup, chromium):
    node, allowed, _, conversation, _ = cross_origin_setup
    alice_page = chromium.new_context().new_page()
    bob_page = chromium.new_context().new_page()
    alice_page.goto(f"{allowed}/index.html")
    bob_page.goto(f"{allowed}/index.html")

    alice_token = alice_page.evaluate(LOGIN, [node.url, "alice", PASSWORD])
    bob_token = bob_page.evaluate(LOGIN, [node.url, "bob", PASSWORD])
    assert alice_token and bob_token
    assert bob_page.evaluate(STREAM, [node.url, bob_token]) is True

    sent = alice_page.evaluate(SEND, [node.url, alice_token, conversation.pk, "hello across"])
    assert sent == {"status": 201, "node": "node-1"}  # exposed header readable cross-origin

    bob_page.wait_for_function("window.received.length > 0", timeout=15_000)
    received = bob_page.evaluate("window.received")
    assert [event["message"]["body"] for event in received] == ["hello across"]


def test_an_unlisted_origin_is_refused_by_the_browser(cross_origin_setup, chromium):
    node, _, refused, _, alice = cross_origin_setup
    token = str(RefreshToken.for_user(alice).access_token)
    page = chromium.new_context().new_page()
    page.goto(f"{refused}/index.html")
    assert page.evaluate(REFUSED_FETCH, [node.url, "alice", PASSWORD]) == "refused: TypeError"
    # A valid token: the stream is refused for its origin alone.
    assert page.evaluate(REFUSED_STREAM, [node.url, token]) == "refused"
