"""One attempt at one delivery: claim it, re-check it, send it, record what happened.

The provider call happens outside any transaction (it may take seconds); the
claim leaves a lease on `next_attempt_at`, so a worker that dies mid-send only
delays the delivery until `manage.py deliveries dispatch` finds the lease run out.
"""

import logging
import traceback
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import selectors
from notifications.delivery.backoff import retry_delay
from notifications.delivery.queue import schedule
from notifications.delivery.stats import record_outcome
from notifications.models import Delivery, DeliveryStatus, Notification
from notifications.preferences import IN_APP, RecipientSettings, recipient_settings
from notifications.providers import (
    DeliveryError,
    NothingToSend,
    OutboundMessage,
    PermanentDeliveryError,
    SendResult,
    provider_for,
)

logger = logging.getLogger(__name__)

# A job may start a little before its delivery's time (clock skew between nodes).
EARLY_TOLERANCE = timedelta(seconds=2)


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    NOT_DUE = "not_due"
    CLOSED = "closed"


def notification_url(notification: Notification) -> str:
    base = settings.SITE_URL.rstrip("/")
    # A removed member or a deleted group has no conversation to open any more.
    if notification.conversation_id and notification.type not in {
        "group.deleted",
        "group.member_removed",
    }:
        return f"{base}/c/{notification.conversation_id}"  # the web app's chat route
    return f"{base}/"


def outbound_message(delivery: Delivery, recipient: RecipientSettings) -> OutboundMessage:
    notification = delivery.notification
    user = notification.recipient
    return OutboundMessage(
        delivery_id=delivery.pk,
        notification_id=notification.pk,
        user_id=user.pk,
        type=notification.type,
        title=notification.title,
        body=notification.body,
        url=notification_url(notification),
        email=recipient.email,
        recipient_name=user.display_name or user.username,
        sms_number=recipient.sms_number,
        data={**notification.data, "conversation_id": notification.conversation_id},
    )


def _skip_reason(delivery: Delivery, recipient: RecipientSettings | None, now: datetime) -> str:
    notification = delivery.notification
    if recipient is None:
        return "The recipient is no longer active."
    if notification.read_at is not None:
        return "Read in-app before it was sent."
    if not recipient.wants(notification.type, IN_APP) or not recipient.wants(
        notification.type, delivery.channel
    ):
        return f"The recipient turned {delivery.channel} off for {notification.type}."
    if notification.conversation_id is not None and selectors.muted_user_ids(
        conversation_id=notification.conversation_id, user_ids=[recipient.user_id], now=now
    ):
        return "The conversation is muted."
    return ""


def _close(delivery: Delivery, *, status: str, now: datetime, error: str = "") -> None:
    delivery.status = status
    delivery.next_attempt_at = None
    delivery.updated_at = now
    fields = ["status", "next_attempt_at", "updated_at"]
    if error:
        delivery.last_error = error
        fields.append("last_error")
    delivery.save(update_fields=fields)
    record_outcome(channel=delivery.channel, outcome=status, day=now.date())


def _claim(
    delivery_id: int, now: datetime
) -> tuple[Delivery | None, RecipientSettings | None, Outcome]:
    """Lock the delivery, decide whether to send now, and lease it if so."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("notification__recipient")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or not delivery.is_open:
        return None, None, Outcome.CLOSED
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + EARLY_TOLERANCE:
        # A duplicate job, or one whose delivery was rescheduled: the right job will come.
        return None, None, Outcome.NOT_DUE
    recipient = recipient_settings([delivery.notification.recipient_id]).get(
        delivery.notification.recipient_id
    )
    reason = _skip_reason(delivery, recipient, now)
    if reason:
        _close(delivery, status=DeliveryStatus.SKIPPED, now=now, error=reason)
        return None, None, Outcome.SKIPPED
    due = recipient.outbound_due(now)
    if due > now:
        # Retries too wait for the end of quiet hours; that costs no attempt.
        delivery.next_attempt_at = due
        delivery.updated_at = now
        delivery.save(update_fields=["next_attempt_at", "updated_at"])
        schedule([(delivery.pk, due)])
        return None, None, Outcome.DEFERRED
    delivery.attempts += 1
    if delivery.status == DeliveryStatus.FAILED:
        delivery.status = DeliveryStatus.RETRYING
    delivery.next_attempt_at = now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
    delivery.updated_at = now
    delivery.save(update_fields=["attempts", "status", "next_attempt_at", "updated_at"])
    return delivery, recipient, Outcome.SENT


def _record_sent(delivery: Delivery, result: SendResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT,
            sent_at=now,
            next_attempt_at=None,
            updated_at=now,
            provider_message_id=result.provider_message_id,
            last_error=result.note,
        )
        Notification.objects.filter(pk=delivery.notification_id, delivered_at__isnull=True).update(
            delivered_at=now
        )
        record_outcome(channel=delivery.channel, outcome=DeliveryStatus.SENT, day=now.date())


def _record_failure(delivery: Delivery, *, error: str, permanent: bool) -> Outcome:
    now = timezone.now()
    dead = permanent or delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS
    with transaction.atomic():
        if dead:
            if not permanent:
                error = f"Gave up after {delivery.attempts} attempts. Last error:\n{error}"
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DEAD, next_attempt_at=None, updated_at=now, last_error=error
            )
            record_outcome(channel=delivery.channel, outcome=DeliveryStatus.DEAD, day=now.date())
            return Outcome.DEAD
        due = now + retry_delay(delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, next_attempt_at=due, updated_at=now, last_error=error
        )
        # Queued in the same transaction as the status: the retry cannot get lost.
        schedule([(delivery.pk, due)])
        record_outcome(channel=delivery.channel, outcome=DeliveryStatus.FAILED, day=now.date())
        return Outcome.FAILED


def attempt_delivery(delivery_id: int) -> Outcome:
    """Try to send one delivery now. Never raises for a provider's failure."""
    with transaction.atomic():
        delivery, recipient, outcome = _claim(delivery_id, timezone.now())
    if delivery is None:
        return outcome
    message = outbound_message(delivery, recipient)
    try:
        result = provider_for(delivery.channel).send(message)
    except NothingToSend as exc:
        with transaction.atomic():
            _close(delivery, status=DeliveryStatus.SKIPPED, now=timezone.now(), error=str(exc))
        return Outcome.SKIPPED
    except PermanentDeliveryError as exc:
        logger.warning("Delivery %s failed permanently: %s", delivery.pk, exc)
        return _record_failure(delivery, error=str(exc), permanent=True)
    except Exception as exc:  # noqa: BLE001 - any provider failure is retried, none kills the job
        logger.warning("Delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, exc)
        if isinstance(exc, DeliveryError):
            error = f"{type(exc).__name__}: {exc}"
        else:
            error = "".join(traceback.format_exception(exc))
        return _record_failure(delivery, error=error, permanent=False)
    _record_sent(delivery, result)
    return Outcome.SENT
