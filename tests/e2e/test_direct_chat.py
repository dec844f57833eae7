"""Two people in two browsers: sign up, chat, ticks, typing, the bell, escaping.

Each test runs against one node and against two (Alice on one, Bob on the other),
so every event also crosses nodes through Redis.
"""

import pytest
from playwright.sync_api import expect

from chat.actions import get_or_create_direct_conversation
from chat.models import Message
from tests.e2e.pages import screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def chat_pages(site, open_page):
    """Alice and Bob, who already share a direct chat, each logged in on their node."""
    alice = UserFactory(username="alice", display_name="Alice Smith")
    bob = UserFactory(username="bob", display_name="Bob Jones")
    get_or_create_direct_conversation(user=alice, other_id=bob.pk)
    return open_page(site.alice_url).enter_as(alice), open_page(site.bob_url).enter_as(bob)


def test_two_people_sign_up_chat_and_see_ticks_turn_blue(site, open_page, request):
    alice = open_page(site.alice_url).sign_up("alice", "Alice Smith")
    bob = open_page(site.bob_url).sign_up("bob", "Bob Jones")

    alice.start_chat_with("bob", "Bob Jones")
    alice.send("Hello Bob!")
    # Bob's page is open on his list: the message reaches his device (✓✓), unread.
    alice.expect_status("Hello Bob!", "delivered")
    expect(bob.conversation_row("Alice Smith").locator(".unread-badge")).to_have_text("1")
    expect(bob.conversation_row("Alice Smith")).to_contain_text("Hello Bob!")
    alice.expect_status("Hello Bob!", "delivered")  # still not read: Bob has not opened it

    bob.open_conversation("Alice Smith")
    alice.expect_status("Hello Bob!", "read")
    expect(alice.message("Hello Bob!").locator(".ticks-read")).to_be_visible()
    expect(bob.conversation_row("Alice Smith").locator(".unread-badge")).to_have_count(0)

    bob.send("Hi Alice, how are you?")
    expect(alice.message("Hi Alice, how are you?")).to_be_visible()
    bob.expect_status("Hi Alice, how are you?", "read")
    assert alice.bodies() == ["Hello Bob!", "Hi Alice, how are you?"]
    assert bob.bodies() == ["Hello Bob!", "Hi Alice, how are you?"]
    expect(alice.message("Hello Bob!")).to_have_class("message mine")
    expect(alice.message("Hi Alice")).to_have_class("message theirs")
    # Presence: each sees the other online.
    expect(alice.page.locator("#conversation-subtitle")).to_have_text("online")

    if request.node.callspec.id == "one-node":
        alice.send("Lunch at https://example.com/menu?day=1 tomorrow?")
        bob.send("Sounds good, see you at noon.")
        expect(alice.message("Sounds good")).to_be_visible()
        alice.expect_status("Lunch at", "read")
        expect(alice.bell_count()).to_be_hidden()  # reading the chat cleared the bell
        for person in (alice, bob):
            person.page.locator("#desktop-dismiss").click()
        screenshot(alice.page, "chat")
        screenshot(bob.page, "chat-bob")
    alice.assert_clean()
    bob.assert_clean()


def test_ticks_go_from_clock_to_one_tick_to_two_to_blue(chat_pages, site):
    alice, bob = chat_pages
    alice.open_conversation("Bob Jones")
    held = []
    # Hold Alice's send in the network: the message shows at once, with a clock.
    alice.page.route("**/api/v1/conversations/*/messages", lambda route: held.append(route))
    bob.page.context.set_offline(True)
    alice.send("Are you there?")
    expect(alice.message("Are you there?")).to_have_attribute("data-status", "pending")
    expect(alice.message("Are you there?").locator(".ticks-pending")).to_be_visible()
    assert held, "the send request never left the page"
    held[0].continue_()
    alice.page.unroute("**/api/v1/conversations/*/messages")
    # Stored, but Bob's device is offline: one tick.
    alice.expect_status("Are you there?", "sent")
    bob.page.context.set_offline(False)
    alice.expect_status("Are you there?", "delivered")
    bob.open_conversation("Alice Smith")
    alice.expect_status("Are you there?", "read")
    alice.assert_clean()


def test_a_failed_send_is_retried_with_the_same_client_id(chat_pages):
    alice, bob = chat_pages
    alice.open_conversation("Bob Jones")
    bob.open_conversation("Alice Smith")
    endpoint = "**/api/v1/conversations/*/messages"

    def unavailable(route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "Busy"}})
        else:
            route.continue_()

    alice.page.route(endpoint, unavailable)
    alice.send("Did this arrive?")
    failed = alice.message("Did this arrive?")
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.get_by_role("alert")).to_contain_text("Not sent")
    client_id = failed.get_attribute("data-client-id")
    alice.page.unroute(endpoint)

    failed.get_by_role("button", name="Retry").click()
    alice.expect_status("Did this arrive?", "read")
    expect(bob.message("Did this arrive?")).to_have_count(1)
    assert str(Message.objects.get(body="Did this arrive?").client_id) == client_id


def test_a_send_whose_answer_was_lost_shows_once(chat_pages):
    alice, bob = chat_pages
    alice.open_conversation("Bob Jones")
    bob.open_conversation("Alice Smith")
    endpoint = "**/api/v1/conversations/*/messages"

    def lose_the_answer(route) -> None:
        # The server stores the message, but the page never hears back: the stream's
        # message.new (same client_id) stands in for the answer.
        if route.request.method == "POST":
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    alice.page.route(endpoint, lose_the_answer)
    alice.send("Stored, answer lost")
    alice.expect_status("Stored, answer lost", "read")
    expect(alice.message("Stored, answer lost")).to_have_count(1)
    expect(bob.message("Stored, answer lost")).to_have_count(1)
    assert Message.objects.filter(body="Stored, answer lost").count() == 1


def test_a_send_made_offline_goes_out_when_back_online(chat_pages):
    alice, bob = chat_pages
    alice.open_conversation("Bob Jones")
    bob.open_conversation("Alice Smith")
    alice.page.context.set_offline(True)
    expect(alice.page.locator("#connection-banner")).to_be_visible()
    alice.send("Sent from a tunnel")
    expect(alice.message("Sent from a tunnel")).to_have_attribute("data-status", "failed")

    alice.page.context.set_offline(False)
    expect(alice.page.locator("#connection-banner")).to_be_hidden()
    alice.expect_status("Sent from a tunnel", "read")
    expect(bob.message("Sent from a tunnel")).to_have_count(1)
    assert Message.objects.filter(body="Sent from a tunnel").count() == 1


def test_typing_indicator_appears_for_the_other_person(chat_pages):
    alice, bob = chat_pages
    alice.open_conversation("Bob Jones")
    bob.open_conversation("Alice Smith")
    alice.page.locator("#composer-input").press_sequentially("I am writing a long", delay=20)
    expect(bob.page.locator("#conversation-subtitle")).to_have_text("Alice Smith is typing…")
    # Bob's list shows it too, and it goes away when the message arrives.
    alice.page.locator("#composer-input").press("Enter")
    expect(bob.message("I am writing a long")).to_be_visible()
    expect(bob.page.locator("#conversation-subtitle")).to_have_text("online")


def test_bell_counts_new_messages_and_clears(chat_pages, request):
    alice, bob = chat_pages
    alice.open_conversation("Bob Jones")
    alice.send("First")
    alice.send("Second")
    expect(bob.bell_count()).to_have_text("2")
    bob.expect_title_count(2)

    bob.page.click("#bell-button")
    rows = bob.page.locator("#notification-list .notification-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Alice Smith")
    expect(bob.page.locator("#notification-list .unread")).to_have_count(2)
    if request.node.callspec.id == "one-node":
        screenshot(bob.page, "notifications")
    bob.page.click("#notifications-read-all")
    expect(bob.bell_count()).to_be_hidden()
    bob.expect_title_count(0)
    expect(bob.page.locator("#notification-list .unread")).to_have_count(0)
    bob.page.keyboard.press("Escape")

    # A notification opens its chat, and reading the chat clears the bell.
    alice.send("Third")
    expect(bob.bell_count()).to_have_text("1")
    bob.expect_title_count(1)
    bob.page.click("#bell-button")
    bob.page.locator("#notification-list .unread .notification-button").click()
    expect(bob.page.locator("#conversation-title")).to_have_text("Alice Smith")
    expect(bob.message("Third")).to_be_visible()
    alice.expect_status("Third", "read")
    expect(bob.bell_count()).to_be_hidden()
    bob.expect_title_count(0)


def test_message_bodies_render_as_text_never_as_html(chat_pages):
    alice, bob = chat_pages
    bob.open_conversation("Alice Smith")
    alice.open_conversation("Bob Jones")
    attack = '<img src=x onerror="window.__pwned=1;alert(1)">'
    script = "<script>window.__pwned=2</script><b>bold?</b>"
    links = "safe https://example.com/a?b=1, not javascript:alert(3) nor <a href=x>x</a>"
    for body in (attack, script, links):
        alice.send(body)
        expect(bob.messages().last.locator(".body")).to_have_text(body)

    assert bob.bodies() == [attack, script, links]
    assert bob.page.locator("#message-list img, #message-list script, #message-list b").count() == 0
    assert bob.page.evaluate("window.__pwned") is None
    anchors = bob.page.locator("#message-list a")
    expect(anchors).to_have_count(1)
    expect(anchors).to_have_attribute("href", "https://example.com/a?b=1")
    expect(anchors).to_have_attribute("rel", "noopener noreferrer")
    # The list preview is text too.
    expect(bob.conversation_row("Alice Smith")).to_contain_text("not javascript:alert(3)")
    for person in (alice, bob):
        person.assert_clean()
