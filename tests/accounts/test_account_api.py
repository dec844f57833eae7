"""Logout, password change and reset, account deletion and export (API.md, "Accounts")."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from chat.models import Membership, Message
from groups import actions as group_actions
from groups.models import Group
from notifications import actions as notification_actions
from notifications.models import (
    ConversationMute,
    Delivery,
    Notification,
    NotificationPreferences,
    PushSubscription,
)
from tests.chat.helpers import direct, send
from tests.factories import (
    PASSWORD,
    DeliveryFactory,
    NotificationFactory,
    PushSubscriptionFactory,
)
from tests.helpers import bearer, error_of

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PASSWORD_URL = "/api/v1/auth/password"
RESET = "/api/v1/auth/password-reset"
ME = "/api/v1/auth/me"
EXPORT = "/api/v1/auth/me/export"
NEW_PASSWORD = "a-brand-new-passphrase-42"


def login(client: APIClient, username: str = "alice", password: str = PASSWORD) -> dict:
    response = client.post(LOGIN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refreshes(refresh: str) -> bool:
    return APIClient().post(REFRESH, {"refresh": refresh}, format="json").status_code == 200


# --- logout ------------------------------------------------------------------------


def test_logout_ends_that_refresh_token_only(api_client, alice):
    phone, laptop = login(api_client), login(api_client)
    response = bearer(phone["access"]).post(LOGOUT, {"refresh": phone["refresh"]}, format="json")
    assert response.status_code == 204
    assert not refreshes(phone["refresh"])
    assert refreshes(laptop["refresh"])


def test_logout_all_ends_every_refresh_token_of_the_user(api_client, alice, bob):
    phone, laptop = login(api_client), login(api_client)
    bobs = login(api_client, "bob")
    response = bearer(phone["access"]).post(LOGOUT, {"all": True}, format="json")
    assert response.status_code == 204
    assert not refreshes(phone["refresh"])
    assert not refreshes(laptop["refresh"])
    assert refreshes(bobs["refresh"])


def test_logout_all_signs_out_every_browser_session(alice):
    first, second = Client(), Client()
    first.force_login(alice)
    second.force_login(alice)
    assert second.get(ME).status_code == 200
    tokens = login(APIClient())
    response = bearer(tokens["access"]).post(LOGOUT, {"all": True}, format="json")
    assert response.status_code == 204
    assert first.get(ME).status_code in (401, 403)
    assert second.get(ME).status_code in (401, 403)


def test_logout_of_this_browser_ends_its_session(alice):
    browser = Client()
    browser.force_login(alice)
    browser.get("/")  # a CSRF cookie, as the web app has
    response = browser.post(LOGOUT, {"all": True}, content_type="application/json")
    assert response.status_code == 204
    assert browser.get(ME).status_code in (401, 403)


def test_logout_refuses_somebody_elses_refresh_token(api_client, alice, bob):
    alices, bobs = login(api_client), login(api_client, "bob")
    response = bearer(alices["access"]).post(LOGOUT, {"refresh": bobs["refresh"]}, format="json")
    error = error_of(response, 400)
    assert error["code"] == "token_not_valid"
    assert refreshes(bobs["refresh"])


@pytest.mark.parametrize("payload", [{}, {"refresh": "not-a-token"}, {"refresh": 5}])
def test_logout_without_a_valid_token_is_a_400(api_client, alice, payload):
    tokens = login(api_client)
    error_of(bearer(tokens["access"]).post(LOGOUT, payload, format="json"), 400)
    assert refreshes(tokens["refresh"])


def test_logout_needs_authentication(api_client, alice):
    tokens = login(api_client)
    error_of(APIClient().post(LOGOUT, {"refresh": tokens["refresh"]}, format="json"), 401)


# --- password change ---------------------------------------------------------------------


def test_password_change_ends_the_other_devices_but_keeps_this_one(api_client, alice):
    this, other = login(api_client), login(api_client)
    response = bearer(this["access"]).post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "refresh": this["refresh"]},
        format="json",
    )
    assert response.status_code == 204
    assert not refreshes(other["refresh"])
    assert refreshes(this["refresh"])
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    login(api_client, password=NEW_PASSWORD)


def change_password_with(access: str, **extra) -> None:
    """The contract's request, `{old_password, new_password}`, plus anything in `extra`."""
    body = {"old_password": PASSWORD, "new_password": NEW_PASSWORD, **extra}
    response = bearer(access).post(PASSWORD_URL, body, format="json")
    assert response.status_code == 204, response.content


def test_password_change_with_the_contracts_fields_keeps_this_device_and_ends_the_others(
    api_client, alice
):
    this, other = login(api_client), login(api_client)
    change_password_with(this["access"])
    assert not refreshes(other["refresh"])
    assert refreshes(this["refresh"])


def test_password_change_keeps_this_device_after_its_refresh_token_rotated(api_client, alice):
    first, other = login(api_client), login(api_client)
    rotated = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    assert rotated["refresh"] != first["refresh"]
    # The access token from before the rotation names the same device.
    change_password_with(first["access"])
    assert not refreshes(other["refresh"])
    again = APIClient().post(REFRESH, {"refresh": rotated["refresh"]}, format="json")
    assert again.status_code == 200
    # And a second change, made with the rotated pair, still keeps it.
    body = {"old_password": NEW_PASSWORD, "new_password": "yet-another-passphrase-43"}
    answer = bearer(again.json()["access"]).post(PASSWORD_URL, body, format="json")
    assert answer.status_code == 204, answer.content
    assert refreshes(again.json()["refresh"])


def test_each_login_is_a_device_of_its_own_that_its_access_tokens_carry(api_client, alice):
    from rest_framework_simplejwt.tokens import AccessToken
    from rest_framework_simplejwt.tokens import RefreshToken as Refresh

    phone, laptop = login(api_client), login(api_client)
    devices = [Refresh(tokens["refresh"])["device"] for tokens in (phone, laptop)]
    assert devices[0] != devices[1]
    assert [AccessToken(tokens["access"])["device"] for tokens in (phone, laptop)] == devices


def test_password_change_with_tokens_from_before_device_ids_keeps_only_the_refresh_sent(alice):
    from rest_framework_simplejwt.tokens import RefreshToken as Refresh

    this, kept, other = (Refresh.for_user(alice) for _ in range(3))  # no device claim
    change_password_with(str(this.access_token), refresh=str(kept))
    assert refreshes(str(kept))
    assert not refreshes(str(this))
    assert not refreshes(str(other))


def test_password_change_keeps_this_device_and_the_refresh_sent_along(api_client, alice):
    from rest_framework_simplejwt.tokens import RefreshToken as Refresh

    this, other = login(api_client), login(api_client)
    older = Refresh.for_user(alice)  # a token of this device from before device ids
    change_password_with(this["access"], refresh=str(older))
    assert refreshes(this["refresh"]) and refreshes(str(older))
    assert not refreshes(other["refresh"])


def test_password_change_in_a_browser_keeps_it_signed_in_and_ends_the_others(alice):
    this, other = Client(), Client()
    this.force_login(alice)
    other.force_login(alice)
    this.get("/")
    response = this.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert this.get(ME).status_code == 200
    assert other.get(ME).status_code in (401, 403)


def test_password_change_refuses_a_wrong_old_password(alice_client, alice):
    response = alice_client.post(
        PASSWORD_URL, {"old_password": "wrong-one", "new_password": NEW_PASSWORD}, format="json"
    )
    assert "old_password" in error_of(response, 400)["fields"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_change_refuses_a_weak_new_password(alice_client, alice):
    response = alice_client.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password": "12345678"}, format="json"
    )
    assert "new_password" in error_of(response, 400)["fields"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_change_needs_both_fields(alice_client):
    fields = error_of(alice_client.post(PASSWORD_URL, {}, format="json"), 400)["fields"]
    assert {"old_password", "new_password"} <= set(fields)


# --- password reset ----------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def reset_link(mail) -> str:
    match = re.search(r"https?://[^/\s]+(/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    api_client, alice, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(RESET, {"email": "alice@example.com"}, format="json")
        unknown = api_client.post(RESET, {"email": "nobody@example.com"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]


def test_the_reset_link_sets_a_new_password_once_and_ends_every_device(
    api_client, alice, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    tokens = login(api_client)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(RESET, {"email": "ALICE@example.com"}, format="json")
    (mail,) = mailoutbox
    assert "Reset your Parley password" in mail.subject
    browser = Client()
    form = browser.get(reset_link(mail), follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not refreshes(tokens["refresh"])
    again = Client().get(reset_link(mail), follow=True)
    assert not again.context["validlink"]


def test_a_forged_reset_token_is_refused(alice):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    page = Client().get(f"/reset/{uid}/abc-123/", follow=True)
    assert not page.context["validlink"]
    assert default_token_generator.check_token(alice, "abc-123") is False


def test_password_reset_is_throttled_per_address(api_client, alice, settings):
    for _ in range(3):
        assert api_client.post(RESET, {"email": "x@example.com"}, format="json").status_code == 202
    error_of(api_client.post(RESET, {"email": "X@example.com"}, format="json"), 429)
    assert api_client.post(RESET, {"email": "y@example.com"}, format="json").status_code == 202


def test_password_reset_refuses_a_malformed_address(api_client):
    assert (
        "email" in error_of(api_client.post(RESET, {"email": "nope"}, format="json"), 400)["fields"]
    )


def test_the_reset_page_says_the_same_for_known_and_unknown_addresses(alice):
    known = Client().post("/password-reset/", {"email": "alice@example.com"})
    unknown = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert "If an account uses that address" in known.content.decode()
    assert known.content.decode().count("If an account") == unknown.content.decode().count(
        "If an account"
    )


def test_the_reset_page_past_the_per_address_limit_answers_the_same_and_sends_nothing(
    alice, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    pages = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):  # THROTTLE_PASSWORD_RESET: 3/hour
            pages.append(Client().post("/password-reset/", {"email": "alice@example.com"}))
    assert [page.status_code for page in pages] == [200] * 4
    assert pages[3].content == pages[0].content
    assert len(mailoutbox) == 3


def test_the_reset_page_and_the_api_share_one_per_address_count(
    api_client, alice, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            api_client.post(RESET, {"email": "alice@example.com"}, format="json")
        Client().post("/password-reset/", {"email": "ALICE@example.com"})
        past_the_limit = Client().post("/password-reset/", {"email": "alice@example.com"})
    assert "If an account uses that address" in past_the_limit.content.decode()
    assert len(mailoutbox) == 3
    error_of(api_client.post(RESET, {"email": "alice@example.com"}, format="json"), 429)


def test_the_reset_page_is_throttled_per_ip_as_the_api_is(
    alice, immediate_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.throttles import AuthIPThrottle

    limit, _ = AuthIPThrottle().parse_rate(AuthIPThrottle.THROTTLE_RATES["auth_ip"])
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(limit):  # other addresses: only the IP's count fills up
            browser.post("/password-reset/", {"email": f"someone-{n}@example.com"})
        page = browser.post("/password-reset/", {"email": "alice@example.com"})
    assert page.status_code == 200
    assert "If an account uses that address" in page.content.decode()
    assert mailoutbox == []


# --- account deletion ------------------------------------------------------------------------


def test_deleting_the_account_anonymizes_its_messages_and_removes_personal_data(
    alice_client, alice, bob, bob_client
):
    chat = direct(alice, bob)
    send(alice, chat, "hello bob")
    notification = NotificationFactory(recipient=alice)
    DeliveryFactory(notification=notification)
    PushSubscriptionFactory(user=alice)
    notification_actions.update_preferences(user=alice, sms_number="+14155550100")
    ConversationMute.objects.create(user=alice, conversation=chat)

    response = alice_client.delete(ME, {"password": PASSWORD}, format="json")
    assert response.status_code == 204

    ghost = User.objects.get(pk=alice.pk)
    assert ghost.display_name == "Deleted user"
    assert ghost.username != "alice" and ghost.email == "" and not ghost.is_active
    assert not ghost.has_usable_password()
    assert not Membership.objects.filter(user=ghost, left_at__isnull=True).exists()
    for model, field in [
        (Notification, "recipient"), (PushSubscription, "user"),
        (NotificationPreferences, "user"), (ConversationMute, "user"),
    ]:  # fmt: skip
        assert not model.objects.filter(**{field: ghost}).exists(), model
    assert not Delivery.objects.filter(notification__recipient=ghost).exists()
    history = bob_client.get(f"/api/v1/conversations/{chat.pk}/messages").json()["results"]
    assert [(m["body"], m["author"]["display_name"]) for m in history] == [
        ("hello bob", "Deleted user")
    ]
    # The name is free again, and the old credentials are dead.
    assert (
        APIClient()
        .post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
        .status_code
        == 401
    )
    assert Message.objects.filter(author=ghost).count() == 1


def test_a_deleted_owner_hands_the_group_on_as_on_leave(alice_client, alice, bob, carol):
    team = group_actions.create_group(creator=alice, name="Team", member_ids=[bob.pk, carol.pk])
    group_actions.change_role(actor=alice, group_id=team.pk, user_id=carol.pk, role="admin")
    alice_client.delete(ME, {"password": PASSWORD}, format="json")
    roles = dict(
        Membership.objects.filter(conversation=team.conversation, left_at__isnull=True).values_list(
            "user__username", "role"
        )
    )
    assert roles == {"bob": "member", "carol": "owner"}


def test_the_last_member_deleting_the_account_deletes_the_group(alice_client, alice):
    solo = group_actions.create_group(creator=alice, name="Solo", member_ids=[])
    alice_client.delete(ME, {"password": PASSWORD}, format="json")
    assert not Group.objects.filter(pk=solo.pk).exists()


def test_deleting_the_account_needs_the_password(alice_client, alice):
    error = error_of(alice_client.delete(ME, {"password": "wrong"}, format="json"), 400)
    assert "password" in error["fields"]
    assert error_of(alice_client.delete(ME, {}, format="json"), 400)["fields"]
    alice.refresh_from_db()
    assert alice.is_active and alice.username == "alice"


def test_deleting_the_account_ends_its_tokens_and_browser_session(api_client, alice):
    tokens = login(api_client)
    browser = Client()
    browser.force_login(alice)
    browser.get("/")
    response = browser.delete(ME, {"password": PASSWORD}, content_type="application/json")
    assert response.status_code == 204
    assert not refreshes(tokens["refresh"])
    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert browser.get(ME).status_code in (401, 403)


def test_a_deleted_user_cannot_be_found_or_messaged(alice_client, alice, bob, bob_client):
    alice_client.delete(ME, {"password": PASSWORD}, format="json")
    found = bob_client.get("/api/v1/users", {"search": "alice"}).json()["results"]
    assert found == []
    error_of(bob_client.post("/api/v1/conversations", {"user_id": alice.pk}, format="json"), 404)


# --- export ------------------------------------------------------------------------------


def test_export_holds_the_users_own_data_only(alice_client, alice, bob):
    chat = direct(alice, bob)
    send(alice, chat, "mine")
    send(bob, chat, "bobs")
    NotificationFactory(recipient=alice, title="for alice")
    NotificationFactory(recipient=bob, title="for bob")
    notification_actions.update_preferences(user=alice, time_zone="Europe/Paris")

    response = alice_client.get(EXPORT)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = response.json()
    assert data["profile"]["username"] == "alice"
    assert [m["body"] for m in data["messages"]] == ["mine"]
    titles = [n["title"] for n in data["notifications"]]
    assert "for alice" in titles and "for bob" not in titles
    assert data["preferences"]["time_zone"] == "Europe/Paris"
    assert "channels" in data["preferences"]


def test_export_needs_authentication(api_client):
    error_of(api_client.get(EXPORT), 401)


def test_export_reads_a_fixed_number_of_queries(
    alice_client, alice, bob, django_assert_max_num_queries
):
    chat = direct(alice, bob)
    for index in range(3):
        send(alice, chat, f"m{index}")
        NotificationFactory(recipient=alice, actor=bob)
    with django_assert_max_num_queries(12) as few:
        alice_client.get(EXPORT)
    for index in range(10):
        send(alice, chat, f"n{index}")
        NotificationFactory(recipient=alice, actor=bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        alice_client.get(EXPORT)


def test_deactivation_ends_every_refresh_token_of_the_user(api_client, alice, bob):
    from accounts import services

    alices, bobs = login(api_client), login(api_client, "bob")
    services.deactivate_users(user_ids=[alice.pk])
    assert not refreshes(alices["refresh"])
    assert refreshes(bobs["refresh"])


def test_the_tombstone_name_of_a_deleted_user_cannot_be_taken(api_client, alice_client, alice):
    alice_client.delete(ME, {"password": PASSWORD}, format="json")
    ghost = User.objects.get(pk=alice.pk)
    response = api_client.post(
        "/api/v1/auth/signup", {"username": ghost.username, "password": PASSWORD}, format="json"
    )
    assert "username" in error_of(response, 400)["fields"]
