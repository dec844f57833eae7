"""Messages over time: scrolling back through history, edits and deletions, the list order."""

import uuid

import pytest
from playwright.sync_api import expect

from chat.actions import get_or_create_direct_conversation, send_message
from chat.models import Message
from tests.e2e.pages import ChatPage, new_page
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


BODIES = [f"message number {n:03d}" for n in range(1, 131)]


@pytest.fixture
def long_history(people) -> None:
    """130 messages, sent before the browser starts: sending publishes with async_to_sync,
    which refuses to run in a thread where Playwright's event loop is running."""
    alice, bob, conversation = people
    for n, body in enumerate(BODIES):
        author = alice if n % 2 == 0 else bob
        send_message(
            author=author, conversation_id=conversation.pk, body=body, client_id=uuid.uuid4()
        )


def test_scrolling_up_loads_all_earlier_messages_once_in_order(
    long_history, people, single_node_site, single_node_browser
):
    _, bob_user, _ = people
    bob = new_page(single_node_browser, single_node_site.bob_url).enter_as(bob_user)
    bob.open_conversation("Alice Smith")
    expect(bob.message("message number 130")).to_be_in_viewport()
    expect(bob.messages()).to_have_count(50)  # one page, the newest

    for expected in (100, 130):
        bob.page.locator("#messages").evaluate("element => { element.scrollTop = 0; }")
        expect(bob.messages()).to_have_count(expected)
    assert bob.bodies() == BODIES
    # Loading earlier pages kept the reader's place instead of jumping to the top.
    assert bob.page.locator("#messages").evaluate("element => element.scrollTop") > 0
    bob.assert_clean()


def test_edits_and_deletions_show_for_everyone(single_node_site, single_node_browser, people):
    alice_user, bob_user, _ = people
    url = single_node_site.alice_url
    alice = new_page(single_node_browser, url).enter_as(alice_user)
    bob = new_page(single_node_browser, url).enter_as(bob_user)
    alice.open_conversation("Bob Jones")
    bob.open_conversation("Alice Smith")
    alice.send("See you at 7")
    alice.send("Bring snacks")
    expect(bob.message("Bring snacks")).to_be_visible()

    def choose(person: ChatPage, body: str, action: str) -> None:
        message = person.message(body)
        message.hover()
        message.get_by_role("button", name="Message options").click()
        person.page.get_by_role("menuitem", name=action).click()

    choose(alice, "See you at 7", "Edit")
    expect(alice.page.locator("#edit-bar")).to_be_visible()
    box = alice.page.locator("#composer-input")
    expect(box).to_have_value("See you at 7")
    box.fill("See you at 8")
    box.press("Enter")
    expect(bob.message("See you at 8").locator(".edited")).to_have_text("edited")
    expect(alice.message("See you at 8").locator(".edited")).to_be_visible()
    expect(bob.page.get_by_text("See you at 7")).to_have_count(0)

    choose(alice, "Bring snacks", "Delete")
    alice.page.locator("#confirm-ok").click()
    expect(bob.message("This message was deleted")).to_be_visible()
    expect(bob.page.get_by_text("Bring snacks")).to_have_count(0)
    expect(bob.conversation_row("Alice Smith")).to_contain_text("This message was deleted")
    # Bob cannot delete Alice's message in a direct chat: his menu does not offer it.
    choose(bob, "See you at 8", "Copy text")
    bob.message("See you at 8").get_by_role("button", name="Message options").click()
    expect(bob.page.get_by_role("menuitem", name="Delete")).to_have_count(0)
    for person in (alice, bob):
        person.assert_clean()


def test_list_is_sorted_by_activity_and_filters_by_name(
    single_node_site, single_node_browser, people
):
    alice_user, bob_user, _ = people
    carol = UserFactory(username="carol", display_name="Carol King")
    get_or_create_direct_conversation(user=alice_user, other_id=carol.pk)
    url = single_node_site.alice_url
    alice = new_page(single_node_browser, url).enter_as(alice_user)
    bob = new_page(single_node_browser, url).enter_as(bob_user)
    carol_page = new_page(single_node_browser, url).enter_as(carol)

    titles = alice.page.locator(".conversation-title")
    carol_page.open_conversation("Alice Smith")
    carol_page.send("Carol here")
    carol_page.expect_status("Carol here", "delivered")
    expect(titles.first).to_have_text("Carol King")
    bob.open_conversation("Alice Smith")
    bob.send("Bob here")
    bob.expect_status("Bob here", "delivered")  # stored, and on Alice's device
    expect(titles).to_have_text(["Bob Jones", "Carol King"])  # newest activity first
    expect(alice.conversation_row("Bob Jones").locator(".unread-badge")).to_have_text("1")

    alice.page.fill("#conversation-filter", "car")
    expect(titles).to_have_text(["Carol King"])
    alice.page.fill("#conversation-filter", "nobody")
    expect(alice.page.locator("#list-empty")).to_contain_text("No chats match")
    alice.page.fill("#conversation-filter", "")
    expect(titles).to_have_count(2)


def test_a_send_refused_by_a_busy_node_is_retried_with_the_same_client_id(
    people, single_node_site, single_node_browser
):
    """The node's shedding itself is tested on real nodes (tests/chat/test_hot_path.py); here
    the page meets its answer: the first POST gets the 503 + Retry-After a busy node sends."""
    alice_user, _, _ = people
    alice = new_page(single_node_browser, single_node_site.alice_url).enter_as(alice_user)
    alice.open_conversation("Bob Jones")
    bodies: list[dict] = []

    def shed_the_first(route) -> None:
        if route.request.method != "POST":  # history pages go through
            route.continue_()
            return
        bodies.append(route.request.post_data_json)
        if len(bodies) == 1:
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/json"},
                body='{"error": {"code": "overloaded", "message": "This node is over its '
                'limit; retry shortly.", "fields": {}}}',
            )
        else:
            route.continue_()

    alice.page.route("**/api/v1/conversations/*/messages", shed_the_first)
    alice.send("sent after a 503")

    alice.expect_status("sent after a 503", "sent")
    assert len(bodies) == 2
    assert bodies[0]["client_id"] == bodies[1]["client_id"]
    assert Message.objects.filter(body="sent after a 503").count() == 1
    expect(alice.messages()).to_have_count(1)
