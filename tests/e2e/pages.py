"""The chat page as a person uses it, for the browser tests: log in, open a chat, send."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from playwright.sync_api import Locator, Page, expect

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WAIT_MS = 15_000  # events cross nodes through Redis; generous for a loaded CI machine
expect.set_options(timeout=WAIT_MS)


def screenshot(page: Page, name: str) -> Path:
    """Saved under artifacts/screenshots/ (git-ignored) for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


class ChatPage:
    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.set_default_timeout(WAIT_MS)
        page.on("dialog", self._on_dialog)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on(
            "console",
            lambda message: (
                self.errors.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # --- getting in ----------------------------------------------------------------

    def sign_up(self, username: str, display_name: str, password: str = PASSWORD) -> ChatPage:
        self.page.goto(f"{self.base_url}/signup/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_display_name", display_name)
        self.page.fill("#id_password1", password)
        self.page.fill("#id_password2", password)
        self.page.click("#signup-form button[type=submit]")
        return self.wait_ready()

    def log_in(self, username: str, password: str = PASSWORD, next_path: str = "/") -> ChatPage:
        self.page.goto(f"{self.base_url}/login/?next={next_path}")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("#login-form button[type=submit]")
        return self.wait_ready()

    def enter_as(self, user, path: str = "/") -> ChatPage:
        """Signed in without the form: a session made here, its cookie handed to the browser."""
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": self.base_url}]
        )
        self.page.goto(f"{self.base_url}{path}")
        return self.wait_ready()

    def wait_ready(self) -> ChatPage:
        expect(self.page.locator("html")).to_have_attribute("data-ready", "true")
        # The stream is open: from now on nothing published is missed.
        expect(self.page.locator("html")).to_have_attribute("data-realtime", "connected")
        return self

    # --- the list and the open chat ------------------------------------------------------

    def conversation_row(self, title: str) -> Locator:
        return self.page.locator(".conversation-row", has=self.page.get_by_text(title, exact=True))

    def open_conversation(self, title: str) -> ChatPage:
        self.conversation_row(title).locator("button").click()
        expect(self.page.locator("#conversation-title")).to_have_text(title)
        return self

    def start_chat_with(self, search: str, name: str) -> ChatPage:
        self.page.click("#new-chat-button")
        self.page.fill("#new-chat-search", search)
        self.page.get_by_role("button", name=f"Chat with {name}").click()
        expect(self.page.locator("#conversation-title")).to_have_text(name)
        return self

    def send(self, text: str) -> ChatPage:
        box = self.page.locator("#composer-input")
        box.fill(text)
        box.press("Enter")
        return self

    def messages(self) -> Locator:
        return self.page.locator("#message-list .message")

    def message(self, body: str) -> Locator:
        return self.page.locator(
            "#message-list .message", has=self.page.locator(".body", has_text=body)
        )

    def bodies(self) -> list[str]:
        return self.page.locator("#message-list .message .body").all_inner_texts()

    def expect_status(self, body: str, status: str) -> None:
        expect(self.message(body)).to_have_attribute("data-status", status)

    def bell_count(self) -> Locator:
        return self.page.locator("#bell-count")

    def expect_title_count(self, count: int) -> None:
        if count:
            expect(self.page).to_have_title(re.compile(rf"^\({count}\) "))
        else:
            expect(self.page).to_have_title(re.compile(r"^[^(]"))

    def assert_clean(self) -> None:
        """No script error, no CSP violation, no alert/confirm dialog on this page.

        Failed requests are left out: Chromium logs each non-2xx answer as a console
        error, and a request that failed and was retried is not a fault of the page.
        """
        errors = [error for error in self.errors if "Failed to load resource" not in error]
        assert self.dialogs == [], self.dialogs
        assert errors == [], errors


def new_page(browser, base_url: str, **options) -> ChatPage:
    """A page in a fresh browser context (its own cookies) at `base_url`; `options` go to
    the context (viewport, permissions, color_scheme...)."""
    options.setdefault("viewport", {"width": 1200, "height": 760})
    return ChatPage(browser.new_context(**options).new_page(), base_url)
