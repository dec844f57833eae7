"""The real providers against local servers: Web Push (VAPID, encryption, 410) and SMS HTTP."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from notifications.models import PushSubscription
from notifications.providers import (
    NothingToSend,
    OutboundMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from notifications.providers.email import DjangoEmailProvider
from notifications.providers.push import WebPushProvider
from notifications.providers.sms import HttpSmsProvider, LoggingSmsProvider
from tests.chat.helpers import send
from tests.factories import PushSubscriptionFactory
from tests.notifications.helpers import deliveries_of, run_due_jobs
from tests.notifications.servers import BrowserKeys, basic_auth, form, vapid_claims

pytestmark = pytest.mark.django_db


def message_for(user, **overrides) -> OutboundMessage:
    fields = {
        "delivery_id": 1,
        "notification_id": 2,
        "user_id": user.pk,
        "type": "message.new",
        "title": "Alice",
        "body": "Lunch?",
        "url": "http://127.0.0.1:8000/c/3",
        "email": user.email,
        "recipient_name": "Bob",
        "sms_number": "+14155550100",
        "data": {"conversation_id": 3},
    }
    return OutboundMessage(**{**fields, **overrides})


def subscribe(user, server, name: str = "bob-laptop") -> BrowserKeys:
    keys = BrowserKeys.new()
    PushSubscriptionFactory(
        user=user, endpoint=f"{server.url}/push/{name}", p256dh=keys.p256dh, auth=keys.auth
    )
    return keys


# --- web push ---------------------------------------------------------------------


def test_web_push_is_encrypted_for_the_browser_and_signed_with_vapid(bob, local_server, vapid_keys):
    keys = subscribe(bob, local_server)

    result = WebPushProvider().send(message_for(bob))

    (request,) = local_server.received
    assert request.path == "/push/bob-laptop"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert int(request.headers["ttl"]) > 0
    claims = vapid_claims(request.headers["authorization"], public_key=vapid_keys)
    assert claims["aud"] == local_server.url
    assert claims["sub"] == "mailto:ops@parley.test"
    assert keys.decrypt(request.body) == {
        "title": "Alice",
        "body": "Lunch?",
        "url": "http://127.0.0.1:8000/c/3",
        "tag": "parley-3",
        "type": "message.new",
        "notification_id": 2,
    }
    assert result.provider_message_id == f"{local_server.url}/messages/1"
    assert PushSubscription.objects.get(user=bob).last_success_at is not None


def test_push_subscription_gone_is_removed_and_the_delivery_dead(bob, local_server, vapid_keys):
    subscribe(bob, local_server)
    local_server.replies["/push/bob-laptop"] = [(410, {"reason": "unsubscribed"})]

    with pytest.raises(PermanentDeliveryError, match="410"):
        WebPushProvider().send(message_for(bob))

    assert not PushSubscription.objects.filter(user=bob).exists()


def test_push_reaches_the_live_subscriptions_and_drops_the_gone_one(bob, local_server, vapid_keys):
    subscribe(bob, local_server, "old-phone")
    keys = subscribe(bob, local_server, "laptop")
    local_server.replies["/push/old-phone"] = [(410, {})]

    result = WebPushProvider().send(message_for(bob))

    assert [s.endpoint for s in PushSubscription.objects.filter(user=bob)] == [
        f"{local_server.url}/push/laptop"
    ]
    assert "gone (410)" in result.note
    assert keys.decrypt(local_server.received[-1].body)["title"] == "Alice"


def test_push_service_overloaded_is_transient(bob, local_server, vapid_keys):
    subscribe(bob, local_server)
    local_server.replies["/push/bob-laptop"] = [(503, {})]

    with pytest.raises(TransientDeliveryError, match="503"):
        WebPushProvider().send(message_for(bob))

    assert PushSubscription.objects.filter(user=bob).exists()


def test_push_without_subscription_or_keys(bob, local_server, settings, vapid_keys):
    with pytest.raises(NothingToSend):
        WebPushProvider().send(message_for(bob))

    subscribe(bob, local_server)
    settings.VAPID_PRIVATE_KEY = ""
    with pytest.raises(TransientDeliveryError, match="VAPID_PRIVATE_KEY"):
        WebPushProvider().send(message_for(bob))


def test_gone_subscription_makes_the_queued_push_dead_at_once(
    alice, bob, chat, local_server, vapid_keys
):
    subscribe(bob, local_server)
    local_server.replies["/push/bob-laptop"] = [(410, {})]

    send(alice, chat)
    run_due_jobs()

    push = deliveries_of(bob, "push")[0]
    assert (push.status, push.attempts) == ("dead", 1)
    assert "410" in push.last_error
    assert not PushSubscription.objects.exists()


# --- SMS ---------------------------------------------------------------------------


@pytest.fixture
def sms_gateway(local_server, settings):
    settings.SMS_HTTP_URL = f"{local_server.url}/2010-04-01/Accounts/{{account}}/Messages.json"
    settings.SMS_HTTP_ACCOUNT = "AC123"
    settings.SMS_HTTP_TOKEN = "secret-token"
    settings.SMS_FROM = "+15005550006"
    return local_server


def test_http_sms_posts_the_form_with_basic_auth(bob, sms_gateway):
    result = HttpSmsProvider().send(message_for(bob))

    (request,) = sms_gateway.received
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert basic_auth(request.headers["authorization"]) == ("AC123", "secret-token")
    assert form(request.body) == {
        "To": "+14155550100",
        "From": "+15005550006",
        "Body": "Alice: Lunch?",
    }
    assert result.provider_message_id == "SM1"


def test_http_sms_invalid_number_is_permanent(bob, sms_gateway):
    path = "/2010-04-01/Accounts/AC123/Messages.json"
    sms_gateway.replies[path] = [(400, {"code": 21211, "message": "Invalid 'To' Phone Number"})]

    with pytest.raises(PermanentDeliveryError, match="21211"):
        HttpSmsProvider().send(message_for(bob))


@pytest.mark.parametrize("status", [429, 500, 503, 401])
def test_http_sms_gateway_trouble_is_transient(bob, sms_gateway, status):
    sms_gateway.replies["/2010-04-01/Accounts/AC123/Messages.json"] = [(status, {})]

    with pytest.raises(TransientDeliveryError, match=str(status)):
        HttpSmsProvider().send(message_for(bob))


def test_http_sms_gateway_unreachable_is_transient(bob, settings, local_server):
    local_server.stop()
    settings.SMS_HTTP_URL = f"{local_server.url}/Messages.json"

    with pytest.raises(TransientDeliveryError, match="ConnectionError"):
        HttpSmsProvider().send(message_for(bob))


def test_sms_through_the_queue_reaches_the_gateway(alice, bob, chat, sms_gateway, settings):
    settings.DELIVERY_PROVIDERS = {
        **settings.DELIVERY_PROVIDERS,
        "sms": "notifications.providers.sms.HttpSmsProvider",
    }
    settings.DELIVERY_SMS_DELAY_SECONDS = 0
    from notifications import actions

    actions.update_preferences(
        user=bob, sms_number="+14155550100", channels={"message.new": {"sms": True}}
    )
    sms_gateway.replies["/2010-04-01/Accounts/AC123/Messages.json"] = [(503, {})]
    send(alice, chat, "are you there?")

    run_due_jobs()
    sms = deliveries_of(bob, "sms")[0]
    assert sms.status == "failed"
    import time_machine

    with time_machine.travel(sms.next_attempt_at + timedelta(seconds=1), tick=False):
        run_due_jobs()
    sms.refresh_from_db()
    assert (sms.status, sms.provider_message_id) == ("sent", "SM2")
    assert form(sms_gateway.received[-1].body)["Body"] == "Alice: are you there?"


def test_logging_sms_provider_logs_instead_of_sending(bob, caplog):
    with caplog.at_level("INFO", logger="notifications.providers.sms"):
        result = LoggingSmsProvider().send(message_for(bob))

    assert result.provider_message_id.startswith("log-")
    assert "+14155550100" in caplog.text
    with pytest.raises(NothingToSend):
        LoggingSmsProvider().send(message_for(bob, sms_number=""))


# --- email -------------------------------------------------------------------------


def test_invalid_email_address_is_permanent(bob, mailoutbox):
    with pytest.raises(PermanentDeliveryError, match="Invalid email"):
        DjangoEmailProvider().send(message_for(bob, email="not an address"))
    assert mailoutbox == []


def test_vapid_key_command_prints_a_usable_pair(capsys, bob, local_server, settings):
    call_command("generate_vapid_keys", "--subject", "mailto:me@example.com")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    settings.VAPID_PUBLIC_KEY = lines["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = lines["VAPID_PRIVATE_KEY"]
    assert lines["VAPID_SUBJECT"] == "mailto:me@example.com"
    subscribe(bob, local_server)

    WebPushProvider().send(message_for(bob))

    (request,) = local_server.received
    vapid_claims(request.headers["authorization"], public_key=lines["VAPID_PUBLIC_KEY"])
