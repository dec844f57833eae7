"""Browser tests: Debian's Chromium, driven by Playwright, against real daphne nodes.

Each test gets fresh nodes on the test database (`daphne_nodes`, tests/servers.py) and
then a fresh browser. The order matters: the nodes start (and the database is set up)
before Playwright starts its event loop, and Playwright stops before they go.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, sync_playwright

from chat.actions import get_or_create_direct_conversation
from tests.e2e.pages import CHROMIUM, CHROMIUM_ARGS, ChatPage
from tests.factories import UserFactory


@dataclass
class Site:
    """Where each person's browser points: the same node, or Alice and Bob on different ones."""

    alice_url: str
    bob_url: str
    carol_url: str
    node_names: list[str]


@pytest.fixture(params=["one-node", "two-nodes"])
def site(request, daphne_nodes) -> Site:
    first = daphne_nodes("node-1")
    if request.param == "one-node":
        return Site(first.url, first.url, first.url, ["node-1"])
    second = daphne_nodes("node-2")
    return Site(first.url, second.url, first.url, ["node-1", "node-2"])


@pytest.fixture
def single_node_site(daphne_nodes) -> Site:
    node = daphne_nodes("node-1")
    return Site(node.url, node.url, node.url, ["node-1"])


def _browser(monkeypatch) -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running in this thread while the browser
    # lives, and Django refuses ORM calls from a thread with a running loop
    # (SynchronousOnlyOperation). The ORM calls in these tests are plain synchronous test
    # setup that never touches that loop, so the guard is lifted for the browser's lifetime
    # only: the nodes were started before, without it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(site, monkeypatch) -> Iterator[Browser]:
    yield from _browser(monkeypatch)


@pytest.fixture
def single_node_browser(single_node_site, monkeypatch) -> Iterator[Browser]:
    yield from _browser(monkeypatch)


@pytest.fixture
def open_page(browser):
    """`open_page(base_url, **context_options) -> ChatPage` in a new browser context."""

    def make(base_url: str, **options) -> ChatPage:
        context = browser.new_context(viewport={"width": 1200, "height": 760}, **options)
        return ChatPage(context.new_page(), base_url)

    return make


@pytest.fixture
def people(transactional_db):
    """`(alice, bob, their direct conversation)`, committed for the nodes to read."""
    alice = UserFactory(username="alice", display_name="Alice Smith")
    bob = UserFactory(username="bob", display_name="Bob Jones")
    conversation, _ = get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    return alice, bob, conversation
