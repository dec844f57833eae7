"""A group of three in three browsers: create, talk, message info, roles, a removal."""

import pytest
from playwright.sync_api import expect

from groups.actions import create_group
from tests.e2e.pages import ChatPage, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_group_of_three_talks_then_one_is_removed(site, open_page, request):
    alice_user = UserFactory(username="alice", display_name="Alice Smith")
    bob_user = UserFactory(username="bob", display_name="Bob Jones")
    carol_user = UserFactory(username="carol", display_name="Carol King")
    alice = open_page(site.alice_url).enter_as(alice_user)
    bob = open_page(site.bob_url).enter_as(bob_user)
    carol = open_page(site.carol_url).enter_as(carol_user)

    # Alice makes the group from the dialog, picking people by search.
    alice.page.click("#new-group-button")
    alice.page.fill("#new-group-name", "Weekend trip")
    for search, name in (("bob", "Bob Jones"), ("carol", "Carol King")):
        alice.page.fill("#new-group-search", search)
        alice.page.get_by_role("button", name=f"Add {name}").click()
        expect(alice.page.get_by_role("button", name=f"Remove {name}").first).to_be_visible()
    alice.page.click("#new-group-create")
    expect(alice.page.locator("#conversation-title")).to_have_text("Weekend trip")

    alice.send("Where shall we go?")
    for person in (bob, carol):
        expect(person.conversation_row("Weekend trip")).to_contain_text("Where shall we go?")
        person.open_conversation("Weekend trip")
        expect(person.message("Where shall we go?").locator(".author")).to_have_text("Alice Smith")
    alice.expect_status("Where shall we go?", "read")
    bob.send("The coast!")
    expect(carol.message("The coast!")).to_be_visible()
    expect(alice.message("The coast!").locator(".author")).to_have_text("Bob Jones")

    # Message info: each member's delivered and read times.
    alice.message("Where shall we go?").hover()
    alice.message("Where shall we go?").get_by_role("button", name="Message options").click()
    alice.page.get_by_role("menuitem", name="Message info").click()
    receipts = alice.page.locator("#receipt-list .receipt-row")
    expect(receipts).to_have_count(2)
    expect(receipts.filter(has_text="Bob Jones").locator(".receipt-read")).to_contain_text("Read")
    expect(receipts.filter(has_text="Carol King").locator(".receipt-read")).to_contain_text("Read")
    if request.node.callspec.id == "one-node":
        screenshot(alice.page, "message-info")
    alice.page.keyboard.press("Escape")

    # The group panel: Alice owns it; she makes Bob an admin and removes Carol.
    alice.page.click("#info-button")
    members = alice.page.locator("#member-list .member-row")
    expect(members).to_have_count(3)
    expect(members.filter(has_text="You")).to_have_attribute("data-role", "owner")
    alice.page.get_by_role("button", name="Make admin: Bob Jones").click()
    expect(members.filter(has_text="Bob Jones")).to_have_attribute("data-role", "admin")
    if request.node.callspec.id == "one-node":
        screenshot(alice.page, "group-info")
    alice.page.get_by_role("button", name="Remove: Carol King").click()
    alice.page.locator("#confirm-ok").click()
    expect(members).to_have_count(2)

    # Carol is out: the group leaves her list, and she gets nothing more from it.
    expect(carol.conversation_row("Weekend trip")).to_have_count(0)
    expect(carol.page.locator("#conversation")).to_be_hidden()
    expect(carol.page.locator("#toasts")).to_contain_text("removed you from Weekend trip")
    alice.send("Just the two of us then")
    expect(bob.message("Just the two of us then")).to_be_visible()
    alice.expect_status("Just the two of us then", "read")
    assert carol.page.get_by_text("Just the two of us then").count() == 0

    # Bob, now an admin, sees the panel with what an admin may do (not delete).
    bob.page.click("#info-button")
    expect(bob.page.locator("#member-list .member-row")).to_have_count(2)
    expect(bob.page.locator("#leave-group")).to_be_visible()
    expect(bob.page.locator("#delete-group")).to_have_count(0)
    expect(bob.page.get_by_role("button", name="Remove: Alice Smith")).to_have_count(0)
    for person in (alice, bob, carol):
        person.assert_clean()


@pytest.fixture
def book_club(transactional_db):
    """Alice owns a group with Bob in it; Carol is not in it yet. Made before the browser
    starts: creating a group publishes with async_to_sync, which refuses to run beside
    Playwright's running event loop."""
    alice = UserFactory(username="alice", display_name="Alice Smith")
    bob = UserFactory(username="bob", display_name="Bob Jones")
    carol = UserFactory(username="carol", display_name="Carol King")
    create_group(creator=alice, name="Readers", member_ids=[bob.pk])
    return alice, bob, carol


def test_group_rename_add_demote_leave_and_delete(book_club, single_node_site, single_node_browser):
    alice_user, bob_user, carol_user = book_club
    url = single_node_site.alice_url

    def enter(user) -> ChatPage:
        context = single_node_browser.new_context(viewport={"width": 1200, "height": 760})
        return ChatPage(context.new_page(), url).enter_as(user)

    alice, bob, carol = enter(alice_user), enter(bob_user), enter(carol_user)
    alice.open_conversation("Readers")
    bob.open_conversation("Readers")
    alice.page.click("#info-button")
    members = alice.page.locator("#member-list .member-row")
    expect(members).to_have_count(2)

    alice.page.fill("#group-rename", "Book club")
    alice.page.get_by_role("button", name="Rename").click()
    expect(bob.page.locator("#conversation-title")).to_have_text("Book club")
    expect(bob.conversation_row("Book club")).to_have_count(1)
    expect(alice.page.locator("#group-name")).to_have_text("Book club")

    alice.page.fill("#group-add-search", "carol")
    alice.page.get_by_role("button", name="Add Carol King").click()
    expect(members).to_have_count(3)
    expect(carol.conversation_row("Book club")).to_have_count(1)
    expect(carol.page.locator("#toasts")).to_contain_text("Alice Smith added you to Book club")

    alice.page.get_by_role("button", name="Make admin: Bob Jones").click()
    expect(members.filter(has_text="Bob Jones")).to_have_attribute("data-role", "admin")
    alice.page.get_by_role("button", name="Dismiss as admin: Bob Jones").click()
    expect(members.filter(has_text="Bob Jones")).to_have_attribute("data-role", "member")

    # A plain member may only leave.
    bob.page.click("#info-button")
    expect(bob.page.locator("#member-list .member-row")).to_have_count(3)
    expect(bob.page.locator("#member-list button")).to_have_count(0)
    expect(bob.page.locator("#group-rename")).to_have_count(0)
    expect(bob.page.locator("#group-add-search")).to_have_count(0)
    bob.page.locator("#leave-group").click()
    bob.page.locator("#confirm-ok").click()
    expect(bob.conversation_row("Book club")).to_have_count(0)
    expect(members).to_have_count(2)

    alice.page.locator("#delete-group").click()
    alice.page.locator("#confirm-ok").click()
    expect(alice.conversation_row("Book club")).to_have_count(0)
    expect(carol.conversation_row("Book club")).to_have_count(0)
    expect(carol.page.locator("#toasts")).to_contain_text("Alice Smith deleted Book club")
    for person in (alice, bob, carol):
        person.assert_clean()
