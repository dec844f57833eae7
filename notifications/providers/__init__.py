"""Outbound providers: one per channel, chosen in settings (DELIVERY_*_PROVIDER).

A provider's `send(message)` returns a SendResult or raises one of the errors
below; any other exception counts as transient (retried with backoff).
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """A provider refused or failed; the message is kept as the delivery's last_error."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying: timeouts, 5xx, rate limits, a connection refused."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: an invalid address, a push subscription gone (410)."""


class NothingToSend(DeliveryError):
    """The recipient has no address on this channel (any more): the delivery is skipped."""


@dataclass(frozen=True)
class OutboundMessage:
    """What every channel needs to know about one notification for one recipient."""

    delivery_id: int
    notification_id: int
    user_id: int
    type: str
    title: str
    body: str
    url: str
    email: str = ""
    recipient_name: str = ""
    sms_number: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str = ""
    # Something worth keeping although the send succeeded (e.g. one of several
    # push subscriptions failed).
    note: str = ""


class Provider(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...


@cache
def _provider_class(path: str) -> type:
    return import_string(path)


def provider_for(channel: str) -> Provider:
    """A fresh provider for `channel`, built from the class named in settings."""
    path = settings.DELIVERY_PROVIDERS[channel]
    return _provider_class(path)()
