"""Replies, @mentions, reactions, an image and message search, by two people in Chromium.

Alice and Bob are on different daphne nodes (events cross through Redis); both nodes store
attachments in one MEDIA_ROOT, as docker-compose's shared volume does.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from chat.actions import send_message
from groups.actions import create_group
from tests.chat.essentials import png_bytes
from tests.e2e.conftest import _browser
from tests.e2e.pages import ChatPage, new_page, screenshot
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

FLASHING = re.compile(r"\bflash\b")  # the message scrolled to is highlighted for a moment
FILLERS = 70  # more than one history page (50) after the message that is searched for
TALL = {"width": 1200, "height": 800}  # these pages are taller than new_page's default


@pytest.fixture
def group_chat(transactional_db):
    alice = UserFactory(username="alice", display_name="Alice Smith")
    bob = UserFactory(username="bob", display_name="Bob Jones")
    group = create_group(creator=alice, name="Trip", member_ids=[bob.pk])
    conversation_id = group.conversation_id

    def say(author, body, **extra):
        message, _ = send_message(
            author=author,
            conversation_id=conversation_id,
            body=body,
            client_id=uuid.uuid4(),
            **extra,
        )
        return message

    # Sent before the browser starts (sending publishes with async_to_sync, which refuses to
    # run where Playwright's event loop is running).
    old = say(bob, "Where shall we meet in Lisbon?")
    for n in range(FILLERS):
        say(alice if n % 2 else bob, f"filler {n:02d}")
    say(bob, "Still thinking about the meeting point", reply_to=old.pk)
    return alice, bob


@pytest.fixture
def nodes(daphne_nodes, tmp_path):
    media = {"MEDIA_ROOT": str(tmp_path / "media")}
    return daphne_nodes("node-1", **media).url, daphne_nodes("node-2", **media).url


@pytest.fixture
def shared_media_browser(nodes, monkeypatch):
    """Chromium, started after the two shared-media `nodes`."""
    yield from _browser(monkeypatch)


def open_menu(page: ChatPage, body: str) -> None:
    message = page.message(body)
    message.hover()
    message.get_by_role("button", name="Message options").click()


def test_two_people_reply_mention_react_send_an_image_and_search(
    group_chat, nodes, shared_media_browser, tmp_path
):
    alice_user, bob_user = group_chat
    alice = new_page(shared_media_browser, nodes[0], viewport=TALL).enter_as(alice_user)
    bob = new_page(shared_media_browser, nodes[1], viewport=TALL).enter_as(bob_user)

    # A quote scrolls to its original, loading the older pages it is in.
    alice.open_conversation("Trip")
    expect(alice.messages()).to_have_count(50)
    latest = alice.message("Still thinking about the meeting point")
    expect(latest.locator(".reply-quote")).to_contain_text("Where shall we meet in Lisbon?")
    latest.locator(".reply-quote").click()
    original = alice.message("Where shall we meet in Lisbon?")
    expect(original).to_be_in_viewport()
    expect(original).to_have_class(FLASHING)

    # Reply from the menu, with an @mention picked from the autocomplete.
    open_menu(alice, "Still thinking about the meeting point")
    alice.page.get_by_role("menuitem", name="Reply").click()
    expect(alice.page.locator("#reply-bar")).to_contain_text("Replying to Bob Jones")
    box = alice.page.locator("#composer-input")
    box.type("The castle gate, @bo")
    expect(alice.page.locator("#mention-suggestions")).to_contain_text("@bob")
    box.press("Enter")  # picks the suggestion, does not send
    expect(box).to_have_value("The castle gate, @bob ")
    box.type("at noon")
    box.press("Enter")
    reply_text = "The castle gate, @bob at noon"
    sent = alice.message(reply_text)
    expect(sent.locator(".reply-quote")).to_contain_text("Still thinking about the meeting point")
    expect(sent.locator(".mention")).to_have_text("@bob")
    expect(alice.page.locator("#reply-bar")).to_be_hidden()

    # Bob, elsewhere in the app, sees a mention badge on the chat, then the highlighted mention.
    expect(bob.conversation_row("Trip").locator(".mention-badge")).to_be_visible()
    screenshot(bob.page, "essentials-mention-badge")
    bob.open_conversation("Trip")
    received = bob.message(reply_text)
    expect(received.locator(".mention.mention-me")).to_have_text("@bob")
    expect(received.locator(".reply-quote")).to_contain_text("Bob Jones")
    expect(bob.conversation_row("Trip").locator(".mention-badge")).to_have_count(0)

    # Bob reacts from the picker; Alice sees it and adds her own; who reacted shows on hover.
    open_menu(bob, reply_text)
    bob.page.get_by_role("menuitem", name="React").click()
    bob.page.get_by_role("menuitem", name="React with 👍").click()
    expect(received.locator(".reaction.mine")).to_contain_text("👍1")
    reaction = sent.locator(".reaction")
    expect(reaction).to_contain_text("👍1")
    expect(reaction).to_have_attribute("aria-pressed", "false")
    reaction.click()
    expect(reaction).to_contain_text("👍2")
    expect(reaction).to_have_attribute("aria-pressed", "true")
    expect(received.locator(".reaction")).to_contain_text("👍2")
    received.locator(".reaction").hover()
    expect(received.locator(".reaction")).to_have_attribute(
        "title", "You, Alice Smith reacted with 👍"
    )
    screenshot(alice.page, "essentials-reply-mention-reaction")

    # An image: attached, uploaded with a preview, sent without words.
    image = tmp_path / "lisbon.png"
    image.write_bytes(png_bytes((900, 600), colour="teal"))
    alice.page.locator("#attachment-input").set_input_files(str(image))
    upload = alice.page.locator("#attachment-tray .upload.ready")
    expect(upload).to_contain_text("lisbon.png")
    expect(upload.locator("img.upload-preview")).to_be_visible()
    box.press("Enter")
    expect(alice.page.locator("#attachment-tray")).to_be_hidden()
    picture = bob.page.locator("#message-list .message .attachment-image img[alt='lisbon.png']")
    expect(picture).to_be_visible()
    picture.scroll_into_view_if_needed()
    bob.page.wait_for_function(
        "image => image.complete && image.naturalWidth === 320", arg=picture.element_handle()
    )
    screenshot(bob.page, "essentials-image")

    # Search finds the old message and jumps to it in its chat.
    bob.page.locator("#message-search").fill("meet lisbon")
    bob.page.locator("#message-search").press("Enter")
    hit = bob.page.locator("#message-search-results .search-hit").first
    expect(hit.locator("mark").first).to_be_visible()
    expect(hit).to_contain_text("Bob Jones")
    expect(hit.locator(".search-hit-text")).to_contain_text("Where shall we meet in Lisbon")
    screenshot(bob.page, "essentials-search")
    hit.click()
    found = bob.message("Where shall we meet in Lisbon?")
    expect(found).to_be_in_viewport()
    expect(found).to_have_class(FLASHING)
    screenshot(bob.page, "essentials-search-jump")

    alice.assert_clean()
    bob.assert_clean()
