"""Reads of notifications: the inbox, counts, mutes, preferences, deliveries."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from notifications.models import (
    ConversationMute,
    Delivery,
    Notification,
    NotificationPreferences,
    PushSubscription,
)


def inbox(*, user_id: int, unread_only: bool = False, types: list[str] | None = None) -> QuerySet:
    """The user's notifications, newest first, with what the serializer needs joined in."""
    notifications = Notification.objects.filter(recipient_id=user_id).select_related("actor")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    if types:
        notifications = notifications.filter(type__in=types)
    return notifications.order_by("-created_at", "-id")


def notification_of(*, user_id: int, notification_id: int) -> Notification | None:
    """The user's own notification, or None (someone else's does not exist for them)."""
    return (
        Notification.objects.select_related("actor")
        .filter(pk=notification_id, recipient_id=user_id)
        .first()
    )


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def unread_counts(user_ids: list[int]) -> dict[int, int]:
    """Unread totals of many users in one GROUP BY over the unread partial index."""
    rows = (
        Notification.objects.filter(recipient_id__in=user_ids, read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("id"))
        .values_list("recipient_id", "unread")
    )
    return dict(rows)


def muted_user_ids(*, conversation_id: int, user_ids: Iterable[int], now: datetime) -> set[int]:
    """Which of these users have the conversation muted at `now`."""
    return set(
        ConversationMute.objects.filter(conversation_id=conversation_id, user_id__in=list(user_ids))
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .values_list("user_id", flat=True)
    )


def preferences_of(*, user_id: int) -> NotificationPreferences:
    """The stored preferences, or an unsaved row holding the defaults."""
    stored = NotificationPreferences.objects.filter(user_id=user_id).first()
    return stored or NotificationPreferences(user_id=user_id)


def active_mutes(*, user_id: int, now: datetime) -> QuerySet:
    return (
        ConversationMute.objects.filter(user_id=user_id)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .order_by("conversation_id")
    )


def push_subscriptions(*, user_id: int) -> QuerySet:
    return PushSubscription.objects.filter(user_id=user_id).order_by("-created_at")


def deliveries(*, status: str | None = None, channel: str | None = None) -> QuerySet:
    """Deliveries for staff, newest change first, with notification and recipient joined."""
    rows = Delivery.objects.select_related("notification__recipient")
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by("-updated_at", "-id")
