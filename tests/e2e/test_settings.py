"""The settings page and what it changes, in real Chromium against a real daphne node.

Preferences, mutes, push opt-in, password change, account deletion and blocking, each
seen from the other side: the ticks another person sees, the bell that stays quiet, the
subscription the API stores, the browser that is signed out, the name on old messages and
the message that is refused.
"""

import re
import tempfile
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect, sync_playwright

from chat.models import Membership, Message
from groups import actions as group_actions
from notifications.management.commands.generate_vapid_keys import new_key_pair
from notifications.models import (
    ConversationMute,
    Notification,
    NotificationPreferences,
    PushSubscription,
)
from realtime import presence
from tests.e2e.pages import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, ChatPage, screenshot
from tests.factories import PASSWORD, UserFactory
from tests.waiting import wait_until

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-fresh-passphrase-for-alice-7"


def open_settings(person: ChatPage) -> ChatPage:
    person.page.goto(f"{person.base_url}/settings")
    expect(person.page.locator("html")).to_have_attribute("data-ready", "true")
    # The preferences have arrived once the table reflects them.
    new_message_in_app = "#preferences-table input[data-type='message.new'][data-channel='in_app']"
    expect(person.page.locator(new_message_in_app)).to_be_checked()
    return person


@pytest.fixture
def page_for(single_node_site, single_node_browser):
    def make(**options) -> ChatPage:
        viewport = {"width": 1200, "height": 800}
        context = single_node_browser.new_context(viewport=viewport, **options)
        return ChatPage(context.new_page(), single_node_site.alice_url)

    return make


def test_turning_read_receipts_off_keeps_the_other_sides_ticks_grey(people, page_for):
    alice, bob, chat = people
    bob_page = open_settings(page_for().enter_as(bob))
    bob_page.page.locator("#read-receipts").uncheck()
    expect(bob_page.page.locator(".toast", has_text="Read receipts off.")).to_be_visible()
    bob.refresh_from_db()
    assert bob.send_read_receipts is False

    alice_page = page_for().enter_as(alice, f"/c/{chat.pk}")
    bob_page.page.goto(f"{bob_page.base_url}/")
    bob_page.wait_ready()
    alice_page.send("Did you read this?")
    alice_page.expect_status("Did you read this?", "delivered")
    bob_page.open_conversation("Alice Smith")
    expect(bob_page.message("Did you read this?")).to_be_visible()
    wait_until(
        lambda: Membership.objects.get(conversation=chat, user=bob).last_read_message_id > 0,
        what="Bob's read pointer",
        timeout=WAIT_MS / 1000,
    )
    alice_page.page.wait_for_timeout(1000)  # a read event, were one sent, would be here now
    alice_page.expect_status("Did you read this?", "delivered")
    bob_page.assert_clean()
    alice_page.assert_clean()


def test_a_chat_muted_from_its_header_rings_no_bell_and_a_bell_item_can_be_deleted(
    people, page_for
):
    alice, bob, chat = people
    bob_page = page_for().enter_as(bob)
    alice_page = page_for().enter_as(alice, f"/c/{chat.pk}")

    alice_page.send("Before the mute")
    expect(bob_page.bell_count()).to_have_text("1")
    bob_page.page.click("#bell-button")
    bob_page.page.get_by_role("button", name=re.compile("^Delete notification")).first.click()
    expect(bob_page.page.locator("#notifications-empty")).to_be_visible()
    expect(bob_page.bell_count()).to_be_hidden()
    assert not Notification.objects.filter(recipient=bob).exists()
    bob_page.page.keyboard.press("Escape")

    bob_page.open_conversation("Alice Smith")
    bob_page.page.click("#mute-button")
    bob_page.page.get_by_role("button", name="For 8 hours").click()
    expect(bob_page.page.locator("#mute-button")).to_have_attribute("data-muted", "true")
    bob_page.page.goto(f"{bob_page.base_url}/")  # the chat closed: new messages count
    bob_page.wait_ready()

    alice_page.send("After the mute")
    row = bob_page.conversation_row("Alice Smith")
    expect(row).to_contain_text("After the mute")
    expect(row.locator(".unread-badge")).to_have_text("1")
    bob_page.page.wait_for_timeout(1000)
    expect(bob_page.bell_count()).to_be_hidden()
    assert not Notification.objects.filter(recipient=bob).exists()

    # The settings page lists the mute, and unmuting from there rings the bell again.
    open_settings(bob_page)
    mute_row = bob_page.page.locator("#mute-list li", has_text="Alice Smith")
    expect(mute_row).to_contain_text("muted until")
    mute_row.get_by_role("button", name="Unmute").click()
    expect(bob_page.page.locator("#mute-empty")).to_be_visible()
    bob_page.page.goto(f"{bob_page.base_url}/")
    bob_page.wait_ready()
    alice_page.send("After unmuting")
    expect(bob_page.bell_count()).to_have_text("1")
    bob_page.assert_clean()


def test_a_chat_muted_for_8_hours_from_settings_rings_no_bell_until_unmuted(people, page_for):
    alice, bob, chat = people
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk])
    bob_page = open_settings(page_for().enter_as(bob))
    choices = bob_page.page.locator("#mute-conversation option")
    expect(choices).to_have_text(["Alice Smith", "Team"])  # the user's chats, by name

    bob_page.page.select_option("#mute-conversation", label="Alice Smith")
    bob_page.page.select_option("#mute-length", label="8 hours")
    asked_at = timezone.now()
    bob_page.page.click("#mute-form button[type=submit]")
    expect(bob_page.page.locator(".toast", has_text="Chat muted.")).to_be_visible()
    (mute,) = ConversationMute.objects.filter(user=bob)
    assert mute.conversation_id == chat.pk
    assert abs(mute.until - (asked_at + timedelta(hours=8))) < timedelta(minutes=1)
    # The list says until when, as this browser writes that time.
    until_here = bob_page.page.evaluate(
        "(iso) => new Date(iso)"
        ".toLocaleTimeString(undefined, {hour: '2-digit', minute: '2-digit'})",
        mute.until.isoformat(),
    )
    mute_row = bob_page.page.locator("#mute-list li", has_text="Alice Smith")
    expect(mute_row).to_contain_text("muted until")
    expect(mute_row).to_contain_text(until_here)
    expect(bob_page.page.locator("#mute-list li")).to_have_count(1)

    bob_page.page.goto(f"{bob_page.base_url}/")
    bob_page.wait_ready()
    alice_page = page_for().enter_as(alice, f"/c/{chat.pk}")
    alice_page.send("While you are muted")
    expect(bob_page.conversation_row("Alice Smith")).to_contain_text("While you are muted")
    alice_in_team = page_for().enter_as(alice, f"/c/{team.conversation_id}")
    alice_in_team.send("In the team, not muted")
    expect(bob_page.conversation_row("Team")).to_contain_text("In the team, not muted")
    # The invitation to the team and the team's message ring; the muted chat's message not.
    expect(bob_page.bell_count()).to_have_text("2")
    rings = Notification.objects.filter(recipient=bob).order_by("id")
    assert [(n.type, n.conversation_id) for n in rings] == [
        ("group.invite", team.conversation_id),
        ("message.new", team.conversation_id),
    ]

    open_settings(bob_page)
    mute_row.get_by_role("button", name="Unmute").click()
    expect(bob_page.page.locator("#mute-empty")).to_be_visible()
    assert not ConversationMute.objects.filter(user=bob).exists()
    bob_page.assert_clean()


def test_quiet_hours_offer_the_browsers_own_time_zone(people, page_for):
    _, bob, _ = people
    bob_page = open_settings(page_for(timezone_id="Europe/Berlin").enter_as(bob))
    expect(bob_page.page.locator("#time-zone")).to_have_value("Europe/Berlin")
    bob_page.page.locator("#quiet-enabled").check()
    bob_page.page.click("#quiet-form button[type=submit]")
    expect(bob_page.page.locator(".toast", has_text="Quiet hours saved.")).to_be_visible()
    preferences = NotificationPreferences.objects.get(user=bob)
    assert preferences.time_zone == "Europe/Berlin"
    bob_page.assert_clean()


# Chromium's own push service (Google's FCM) is out of reach here (no internet), and a
# PushManager.subscribe() then never settles. This init script stands in for that one
# network step only: it makes a real P-256 key pair and auth secret with WebCrypto, as the
# browser does, and an endpoint on a local host. The permission, the service worker, the
# page's code and the API are all the real ones.
OFFLINE_PUSH_SERVICE = """
(() => {
  const encode = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  let current = null;
  PushManager.prototype.getSubscription = async function () { return current; };
  PushManager.prototype.subscribe = async function (options) {
    if (Notification.permission !== "granted") {
      throw new DOMException("denied", "NotAllowedError");
    }
    if (!options || !options.applicationServerKey) {
      throw new DOMException("no key", "InvalidAccessError");
    }
    const curve = { name: "ECDH", namedCurve: "P-256" };
    const pair = await crypto.subtle.generateKey(curve, true, ["deriveBits"]);
    const p256dh = encode(await crypto.subtle.exportKey("raw", pair.publicKey));
    const auth = encode(crypto.getRandomValues(new Uint8Array(16)));
    const token = encode(crypto.getRandomValues(new Uint8Array(12)));
    const endpoint = `http://127.0.0.1:9/push/${token}`;
    current = {
      endpoint,
      expirationTime: null,
      toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
      unsubscribe: async () => { current = null; return true; },
    };
    return current;
  };
})();
"""


@pytest.fixture
def push_context(daphne_nodes, monkeypatch) -> Iterator[tuple[BrowserContext, str]]:
    """A node with VAPID keys, and a Chromium profile on disk: Chromium has no Push API in
    incognito-like contexts, which are all a plain new_context() gives."""
    public, private = new_key_pair()
    node = daphne_nodes("node-1", VAPID_PUBLIC_KEY=public, VAPID_PRIVATE_KEY=private)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 1200, "height": 800},
        )
        context.grant_permissions(["notifications"], origin=node.url)
        context.add_init_script(OFFLINE_PUSH_SERVICE)
        try:
            yield context, node.url
        finally:
            context.close()


def test_turning_push_on_sends_this_browsers_subscription_to_the_api(push_context):
    context, url = push_context
    alice = UserFactory(username="alice", display_name="Alice Smith")
    page = open_settings(ChatPage(context.new_page(), url).enter_as(alice))
    status = page.page.locator("#push-status")
    expect(status).to_have_attribute("data-state", "off")
    page.page.click("#push-toggle")
    expect(status).to_have_attribute("data-state", "on")

    (subscription,) = PushSubscription.objects.filter(user=alice)
    assert subscription.endpoint.startswith("http://127.0.0.1:9/push/")
    assert len(subscription.p256dh) == 87 and len(subscription.auth) == 22
    assert "Chrome" in subscription.user_agent
    worker = page.page.evaluate(
        "navigator.serviceWorker.getRegistration('/')"
        ".then((registration) => registration.active.scriptURL)"
    )
    assert worker == f"{url}/sw.js"

    page.page.click("#push-toggle")  # and off again: the API forgets it
    expect(status).to_have_attribute("data-state", "off")
    assert not PushSubscription.objects.filter(user=alice).exists()
    page.assert_clean()


def test_changing_the_password_signs_the_other_browser_out(people, page_for):
    alice, _, _ = people
    here = open_settings(page_for().enter_as(alice))
    elsewhere = page_for().enter_as(alice)

    here.page.fill("#old-password", PASSWORD)
    here.page.fill("#new-password", NEW_PASSWORD)
    here.page.fill("#new-password-again", NEW_PASSWORD)
    here.page.click("#password-form button[type=submit]")
    expect(here.page.locator(".toast", has_text="Password changed")).to_be_visible()

    # The other browser's next request finds its session gone and lands on the login page.
    elsewhere.conversation_row("Bob Jones").locator("button").click()
    expect(elsewhere.page).to_have_url(re.compile(r"/login/"))
    # This one stays signed in, and the new password works.
    here.page.reload()
    expect(here.page.locator("html")).to_have_attribute("data-ready", "true")
    page_for().log_in("alice", NEW_PASSWORD)
    here.assert_clean()


def test_deleting_the_account_shows_its_messages_as_from_a_deleted_user(people, page_for):
    alice, bob, _ = people
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk])
    alice_page = page_for().enter_as(alice, f"/c/{team.conversation_id}")
    alice_page.send("Goodbye, everyone")
    alice_page.expect_status("Goodbye, everyone", "sent")

    open_settings(alice_page)
    alice_page.page.fill("#delete-password", PASSWORD)
    alice_page.page.click("#delete-account")
    alice_page.page.click("#confirm-ok")
    expect(alice_page.page).to_have_url(re.compile(r"/login/"))

    bob_page = page_for().enter_as(bob, f"/c/{team.conversation_id}")
    message = bob_page.message("Goodbye, everyone")
    expect(message.locator(".author")).to_have_text("Deleted user")
    expect(bob_page.conversation_row("Deleted user")).to_be_visible()  # the direct chat
    roles = Membership.objects.filter(conversation_id=team.conversation_id, left_at__isnull=True)
    assert [(m.user_id, m.role) for m in roles] == [(bob.pk, "owner")]
    assert Message.objects.get(body="Goodbye, everyone").author_id == alice.pk
    bob_page.assert_clean()


def test_a_blocked_persons_message_is_refused(people, page_for):
    alice, bob, chat = people
    alice_page = page_for().enter_as(alice, f"/c/{chat.pk}")
    bob_page = page_for().enter_as(bob, f"/c/{chat.pk}")

    alice_page.page.click("#info-button")
    alice_page.page.get_by_role("button", name="Block Bob Jones").click()
    alice_page.page.click("#confirm-ok")
    expect(alice_page.page.get_by_role("button", name="Unblock Bob Jones")).to_be_visible()

    bob_page.send("Can you hear me?")
    failed = bob_page.message("Can you hear me?")
    expect(failed.locator(".send-failed")).to_contain_text("You cannot message this user.")
    assert not Message.objects.filter(body="Can you hear me?").exists()

    open_settings(alice_page)
    blocked_row = alice_page.page.locator("#blocked-list li", has_text="Bob Jones")
    expect(blocked_row).to_be_visible()
    blocked_row.get_by_role("button", name="Unblock").click()
    expect(alice_page.page.locator("#blocked-empty")).to_be_visible()
    bob_page.page.get_by_role("button", name=re.compile("Retry")).click()
    bob_page.expect_status("Can you hear me?", "sent")  # stored now (Alice is in settings)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_settings_page_screenshots(people, page_for, scheme):
    alice, _, _ = people
    page = open_settings(page_for(color_scheme=scheme).enter_as(alice))
    page.page.wait_for_timeout(300)
    path = screenshot(page.page, f"settings-{scheme}")
    page.page.screenshot(path=str(path.with_name(f"settings-{scheme}-full.png")), full_page=True)
    assert path.stat().st_size > 10_000
    page.assert_clean()


def test_the_group_member_list_shows_who_is_online_while_open(people, page_for):
    alice, bob, _ = people
    carol = UserFactory(username="carol", display_name="Carol White")
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])
    alice_page = page_for().enter_as(alice, f"/c/{team.conversation_id}")
    page_for().enter_as(bob)  # Bob is online from before: the list asks on open
    wait_until(
        lambda: presence.is_online(bob.pk),
        what="Bob's node to mark him online",
        timeout=WAIT_MS / 1000,
    )
    alice_page.page.click("#info-button")
    members = alice_page.page.locator("#member-list")
    expect(members.locator(f"[data-user-id='{bob.pk}']")).to_have_attribute("data-online", "true")
    expect(members.locator(f"[data-user-id='{carol.pk}']")).to_have_attribute(
        "data-online", "false"
    )
    page_for().enter_as(carol)  # and Carol comes online while the list is open: pushed
    expect(members.locator(f"[data-user-id='{carol.pk}']")).to_have_attribute("data-online", "true")
    alice_page.assert_clean()


def test_the_profile_takes_a_new_name_and_a_resized_picture(people, page_for, tmp_path):
    from PIL import Image

    alice, _, _ = people
    picture = tmp_path / "me.png"
    Image.new("RGB", (900, 500), (30, 120, 200)).save(picture)
    page = open_settings(page_for().enter_as(alice))
    page.page.fill("#display-name", "Alice Cooper")
    page.page.click("#profile-form button[type=submit]")
    expect(page.page.locator(".toast", has_text="Profile saved.")).to_be_visible()
    page.page.set_input_files("#avatar-input", str(picture))
    expect(page.page.locator("#profile-avatar img")).to_be_visible()
    image = page.page.locator("#profile-avatar img")

    def natural_size() -> list[int]:
        return image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]")

    wait_until(lambda: natural_size() != [0, 0], what="the picture to load", timeout=WAIT_MS / 1000)
    assert natural_size() == [256, 256]
    page.page.goto(f"{page.base_url}/")
    page.wait_ready()
    expect(page.page.locator(".me-name")).to_have_text("Alice Cooper")
    expect(page.page.locator("#my-avatar img")).to_be_visible()
    page.assert_clean()
