"""Which deliveries a new notification gets, and when they are due."""

from datetime import datetime, timedelta

from django.conf import settings

from config.bulk import BulkWrite, model_row
from notifications import metrics
from notifications.delivery.queue import schedule
from notifications.models import Channel, Delivery, Notification, PushSubscription
from notifications.preferences import OUTBOUND_CHANNELS, RecipientSettings
from realtime import presence


def channel_delay(channel: str) -> timedelta:
    seconds = {
        Channel.EMAIL: settings.DELIVERY_EMAIL_DELAY_SECONDS,
        Channel.PUSH: settings.DELIVERY_PUSH_DELAY_SECONDS,
        Channel.SMS: settings.DELIVERY_SMS_DELAY_SECONDS,
    }[channel]
    return timedelta(seconds=seconds)


def plan_deliveries(
    *,
    notifications: list[Notification],
    recipients: dict[int, RecipientSettings],
    now: datetime,
    subscribed: set[int] | None = None,
    delivery_ids: dict[int, list[int]] | None = None,
    writes: BulkWrite | None = None,
) -> list[Delivery]:
    """Create (in one INSERT) and queue the outbound deliveries of new notifications.

    A channel is used when the recipient wants it for the type and has an address
    there. Each channel waits its delay (email: the read-in-app grace); someone
    online right now waits at least DELIVERY_ONLINE_DELAY_SECONDS, since they are
    probably looking; and nothing leaves during the recipient's quiet hours.
    """
    wanted, push_candidates = _wanted_channels(notifications, recipients)
    if not wanted:
        return []
    if subscribed is None:
        subscribed = set()
    if push_candidates and writes is None:
        subscribed = set(
            PushSubscription.objects.filter(user_id__in=push_candidates)
            .values_list("user_id", flat=True)
            .distinct()
        )
    deliveries = _due_deliveries(
        wanted, recipients=recipients, subscribed=subscribed, delivery_ids=delivery_ids, now=now
    )
    if writes is None:
        Delivery.objects.bulk_create(deliveries)
    else:
        writes.insert(Delivery, [model_row(delivery) for delivery in deliveries])
    for delivery in deliveries:
        metrics.DELIVERIES_QUEUED.labels(delivery.channel).inc()
    schedule(((delivery.pk, delivery.next_attempt_at) for delivery in deliveries), writes=writes)
    return deliveries


def _wanted_channels(
    notifications: list[Notification], recipients: dict[int, RecipientSettings]
) -> tuple[list[tuple[Notification, str]], set[int]]:
    """(notification, channel) for each channel the recipient wants and has an address on,
    and who would get a push (if they have a subscription)."""
    wanted: list[tuple[Notification, str]] = []
    push_candidates: set[int] = set()
    for notification in notifications:
        recipient = recipients[notification.recipient_id]
        for channel in OUTBOUND_CHANNELS:
            if not recipient.wants(notification.type, channel):
                continue
            if channel == Channel.EMAIL and not recipient.email:
                continue
            if channel == Channel.SMS and not recipient.sms_number:
                continue
            if channel == Channel.PUSH:
                push_candidates.add(notification.recipient_id)
            wanted.append((notification, channel))
    return wanted, push_candidates


def _due_deliveries(
    wanted: list[tuple[Notification, str]],
    *,
    recipients: dict[int, RecipientSettings],
    subscribed: set[int],
    delivery_ids: dict[int, list[int]] | None,
    now: datetime,
) -> list[Delivery]:
    """The deliveries (not yet stored), each due after its channel's delay, the online
    delay and the recipient's quiet hours."""
    online = presence.online_user_ids({notification.recipient_id for notification, _ in wanted})
    online_delay = timedelta(seconds=settings.DELIVERY_ONLINE_DELAY_SECONDS)
    deliveries = []
    for notification, channel in wanted:
        if channel == Channel.PUSH and notification.recipient_id not in subscribed:
            continue
        delay = channel_delay(channel)
        if notification.recipient_id in online:
            delay = max(delay, online_delay)
        due = recipients[notification.recipient_id].outbound_due(now + delay)
        deliveries.append(
            Delivery(
                id=delivery_ids[notification.recipient_id].pop() if delivery_ids else None,
                notification=notification,
                channel=channel,
                next_attempt_at=due,
                created_at=now,
                updated_at=now,
            )
        )
    return deliveries
