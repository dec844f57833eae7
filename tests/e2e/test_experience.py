"""How the page behaves for a person: focus and read receipts, desktop notifications,
the keyboard alone, a phone-sized screen, and the light/dark theme."""

import re

import pytest
from playwright.sync_api import expect

from chat.actions import get_or_create_direct_conversation
from tests.e2e.pages import new_page, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

# Records desktop notifications instead of showing them (the page cannot tell).
RECORD_NOTIFICATIONS = """
window.__desktop = [];
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { super(title, options); window.__desktop.push(title); }
};
"""
# Headless pages always report focus; these make this tab look like one in the background.
LOSE_FOCUS = "document.hasFocus = () => false; window.dispatchEvent(new Event('blur'));"
REGAIN_FOCUS = "document.hasFocus = () => true; window.dispatchEvent(new Event('focus'));"


def test_background_tab_acks_delivered_not_read_and_pops_a_desktop_notification(
    single_node_site, single_node_browser, people
):
    alice_user, bob_user, _ = people
    url = single_node_site.alice_url
    alice = new_page(single_node_browser, url).enter_as(alice_user)
    bob = new_page(single_node_browser, url, permissions=["notifications"])
    bob.page.add_init_script(RECORD_NOTIFICATIONS)
    bob.enter_as(bob_user)
    expect(bob.page.locator("#desktop-notice")).to_be_hidden()  # already allowed: no nagging
    bob.open_conversation("Alice Smith")
    alice.open_conversation("Bob Jones")

    bob.page.evaluate(LOSE_FOCUS)
    alice.send("Are you at your desk?")
    expect(bob.message("Are you at your desk?")).to_be_visible()
    alice.expect_status("Are you at your desk?", "delivered")
    bob.page.wait_for_function("window.__desktop.length > 0")
    assert bob.page.evaluate("window.__desktop") == ["Alice Smith"]
    alice.expect_status("Are you at your desk?", "delivered")  # on screen, but not looked at

    bob.page.evaluate(REGAIN_FOCUS)
    alice.expect_status("Are you at your desk?", "read")
    # In a focused tab nothing pops up.
    alice.send("Welcome back")
    alice.expect_status("Welcome back", "read")
    assert bob.page.evaluate("window.__desktop") == ["Alice Smith"]


def test_desktop_notifications_are_asked_for_only_from_a_button(
    single_node_site, single_node_browser, people
):
    _, bob_user, _ = people
    bob = new_page(single_node_browser, single_node_site.bob_url)
    bob.page.add_init_script(
        "window.__asked = 0; Notification.requestPermission = async () =>"
        " { window.__asked += 1; return 'granted'; };"
    )
    bob.enter_as(bob_user)
    assert bob.page.evaluate("window.__asked") == 0  # never on load
    notice = bob.page.locator("#desktop-notice")
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Turn on").click()
    bob.page.wait_for_function("window.__asked === 1")
    # "Not now" hides the offer for good (until storage is cleared).
    bob.page.reload()
    bob.wait_ready()
    bob.page.locator("#desktop-dismiss").click()
    expect(notice).to_be_hidden()
    bob.page.reload()
    bob.wait_ready()
    expect(notice).to_be_hidden()


def test_chat_works_from_the_keyboard_alone(single_node_site, single_node_browser, people):
    alice_user, bob_user, _ = people
    get_or_create_direct_conversation(
        user=alice_user, other_id=UserFactory(username="carol", display_name="Carol King").pk
    )
    url = single_node_site.alice_url
    bob = new_page(single_node_browser, url).enter_as(bob_user)
    bob.open_conversation("Alice Smith")
    bob.send("ping")
    alice = new_page(single_node_browser, url).enter_as(alice_user)
    keyboard = alice.page.keyboard

    alice.page.locator("#conversation-filter").focus()
    keyboard.press("Tab")  # into the list: the most recent chat first
    expect(alice.page.locator(".conversation-button").first).to_be_focused()
    keyboard.press("ArrowDown")
    keyboard.press("ArrowUp")
    keyboard.press("Enter")
    expect(alice.page.locator("#conversation-title")).to_have_text("Bob Jones")
    composer = alice.page.locator("#composer-input")
    expect(composer).to_be_focused()
    keyboard.type("first line")
    keyboard.press("Shift+Enter")
    keyboard.type("second line")
    keyboard.press("Enter")
    expect(bob.message("first line").locator(".body")).to_have_text("first line\nsecond line")

    # The new-chat dialog: open, search, pick, all by keys; Escape closes dialogs.
    alice.page.locator("#new-chat-button").focus()
    keyboard.press("Enter")
    expect(alice.page.locator("#new-chat-search")).to_be_focused()
    keyboard.type("carol")
    option = alice.page.get_by_role("button", name="Chat with Carol King")
    expect(option).to_be_visible()
    keyboard.press("ArrowDown")
    expect(option).to_be_focused()
    keyboard.press("Enter")
    expect(alice.page.locator("#conversation-title")).to_have_text("Carol King")
    alice.page.locator("#bell-button").focus()
    keyboard.press("Enter")
    expect(alice.page.locator("#notifications-dialog")).to_be_visible()
    keyboard.press("Escape")
    expect(alice.page.locator("#notifications-dialog")).to_be_hidden()
    alice.assert_clean()


def test_phone_width_shows_one_pane_at_a_time(single_node_site, single_node_browser, people):
    alice_user, _, _ = people
    phone = {"viewport": {"width": 390, "height": 800}, "is_mobile": True, "has_touch": True}
    alice = new_page(single_node_browser, single_node_site.alice_url, **phone)
    alice.enter_as(alice_user)
    sidebar = alice.page.locator(".sidebar")
    expect(sidebar).to_be_visible()
    expect(alice.page.locator("#chat-pane")).to_be_hidden()
    screenshot(alice.page, "phone-list")

    alice.open_conversation("Bob Jones")
    alice.send("Typed on a phone")
    alice.expect_status("Typed on a phone", "sent")
    expect(sidebar).to_be_hidden()
    expect(alice.page.locator("#back-button")).to_be_visible()
    width = alice.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing sticks out sideways
    screenshot(alice.page, "phone-chat")

    alice.page.locator("#back-button").click()
    expect(sidebar).to_be_visible()
    expect(alice.conversation_row("Bob Jones")).to_contain_text("Typed on a phone")
    alice.assert_clean()


def test_theme_follows_the_system_and_the_toggle_overrides_it(
    single_node_site, single_node_browser, people
):
    alice_user, _, _ = people
    alice = new_page(single_node_browser, single_node_site.alice_url, color_scheme="dark")
    alice.enter_as(alice_user)
    html = alice.page.locator("html")
    background = "getComputedStyle(document.body).backgroundColor"
    dark = alice.page.evaluate(background)
    assert html.get_attribute("data-theme") is None  # following the system: dark
    alice.open_conversation("Bob Jones")
    alice.send("Late night message")
    alice.expect_status("Late night message", "sent")
    screenshot(alice.page, "chat-dark")

    alice.page.locator("#theme-button").click()  # system -> light
    expect(html).to_have_attribute("data-theme", "light")
    assert alice.page.evaluate(background) != dark
    alice.page.reload()
    alice.wait_ready()
    expect(html).to_have_attribute("data-theme", "light")  # remembered before first paint
    alice.page.locator("#theme-button").click()  # light -> dark
    expect(html).to_have_attribute("data-theme", "dark")
    assert alice.page.evaluate(background) == dark
    alice.assert_clean()


def test_sign_up_log_out_and_log_in_with_clear_form_errors(single_node_site, single_node_browser):
    person = new_page(single_node_browser, single_node_site.alice_url)
    page = person.page
    page.goto(f"{person.base_url}/signup/")
    page.fill("#id_username", "dana")
    page.fill("#id_password1", "a-long-enough-passphrase")
    page.fill("#id_password2", "a-different-passphrase")
    page.click("#signup-form button[type=submit]")
    expect(page.locator(".field-error")).to_contain_text("password")
    screenshot(page, "signup-error")
    person.sign_up("dana", "Dana Scully", password="a-long-enough-passphrase")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{person.base_url}/login/")
    page.goto(f"{person.base_url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))

    page.fill("#id_username", "dana")
    page.fill("#id_password", "wrong")
    page.click("#login-form button[type=submit]")
    expect(page.locator(".form-errors")).to_contain_text("correct username and password")
    person.log_in("dana", password="a-long-enough-passphrase")
    expect(page.locator(".me-name")).to_have_text("Dana Scully")
    person.assert_clean()
