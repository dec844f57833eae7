"""The page's live connection: offline and back, the long-poll fallback, the node dashboard."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import ChatPage, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

MISSED = ["one while you were away", "two while you were away", "three while you were away"]


def test_messages_sent_while_offline_show_once_in_order_after_reconnecting(site, open_page, people):
    alice_user, bob_user, _ = people
    alice = open_page(site.alice_url).enter_as(alice_user)
    bob = open_page(site.bob_url).enter_as(bob_user)
    alice.open_conversation("Bob Jones")
    bob.open_conversation("Alice Smith")
    alice.send("before the tunnel")
    expect(bob.message("before the tunnel")).to_be_visible()

    bob.page.context.set_offline(True)
    expect(bob.page.locator("#connection-banner")).to_be_visible()
    expect(bob.page.locator("#connection-banner")).to_contain_text("offline")
    for body in MISSED:
        alice.send(body)
        alice.expect_status(body, "sent")  # stored; Bob's device has not got it
    assert bob.bodies() == ["before the tunnel"]

    bob.page.context.set_offline(False)
    expect(bob.page.locator("#connection-banner")).to_be_hidden()
    expect(bob.messages()).to_have_count(4)
    assert bob.bodies() == ["before the tunnel", *MISSED]
    for body in MISSED:
        alice.expect_status(body, "read")
    # A little later nothing has doubled (a replay and a refetch could both bring them).
    bob.page.wait_for_timeout(500)
    assert bob.bodies() == ["before the tunnel", *MISSED]
    alice.assert_clean()


def test_page_falls_back_to_long_polling_and_returns_to_the_stream(
    single_node_site, single_node_browser, people
):
    alice_user, bob_user, _ = people
    site = single_node_site

    def open_as(user) -> ChatPage:
        context = single_node_browser.new_context(viewport={"width": 1200, "height": 760})
        return ChatPage(context.new_page(), site.alice_url)

    alice = open_as(alice_user).enter_as(alice_user)
    bob = open_as(bob_user)
    # A proxy that breaks event streams: Bob's page must long-poll instead.
    bob.page.route("**/events/**", lambda route: route.abort("connectionrefused"))
    bob.enter_as(bob_user)
    expect(bob.page.locator("html")).to_have_attribute("data-transport", "poll")
    bob.open_conversation("Alice Smith")

    alice.open_conversation("Bob Jones")
    alice.send("through the long poll")
    expect(bob.message("through the long poll")).to_be_visible()
    alice.expect_status("through the long poll", "read")

    # The stream works again: the page goes back to it by itself.
    bob.page.unroute("**/events/**")
    expect(bob.page.locator("html")).to_have_attribute("data-transport", "sse", timeout=45_000)
    alice.send("through the stream again")
    expect(bob.message("through the stream again")).to_be_visible()
    assert bob.bodies() == ["through the long poll", "through the stream again"]


def test_staff_see_every_node_on_the_dashboard(site, open_page):
    staff = UserFactory(username="olive", display_name="Olive Ops", is_staff=True)
    page = open_page(site.alice_url).enter_as(staff)
    # A second browser on the other node, so each node has an open stream to report.
    open_page(site.bob_url).enter_as(staff)
    page.page.goto(f"{site.alice_url}/ops/nodes")
    for name in site.node_names:
        row = page.page.locator(f'#nodes-body tr[data-node="{name}"]')
        expect(row).to_be_visible(timeout=30_000)  # nodes report every 10 s
        expect(row).to_contain_text("serving")
        expect(row.locator("td.status-ok")).to_have_count(3)  # serving, database, Redis
    if len(site.node_names) == 2:
        screenshot(page.page, "nodes")
    page.assert_clean()
