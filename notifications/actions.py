"""Writes of notifications: reading, deleting, preferences, mutes, push subscriptions.

The fan-out that creates notifications lives in fanout.py (driven by receivers.py).
"""

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from chat.models import Membership
from notifications import selectors
from notifications.errors import (
    InvalidPreferences,
    NotificationNotFound,
    PushSubscriptionNotFound,
)
from notifications.models import (
    ConversationMute,
    Notification,
    NotificationPreferences,
    PushSubscription,
)
from notifications.preferences import CHANNEL_KEYS, DEFAULT_CHANNELS

UNSET: Any = object()


def mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (idempotent: the first read time stays)."""
    notification = selectors.notification_of(user_id=user.pk, notification_id=notification_id)
    if notification is None:
        raise NotificationNotFound()
    if notification.read_at is None:
        now = timezone.now()
        notification.read_at = now
        notification.delivered_at = notification.delivered_at or now
        notification.save(update_fields=["read_at", "delivered_at"])
    return notification


def mark_all_read(
    *, user: User, conversation_id: int | None = None, types: list[str] | None = None
) -> int:
    """Mark the user's unread notifications read (optionally one conversation's or types').

    Returns how many changed.
    """
    now = timezone.now()
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if conversation_id is not None:
        unread = unread.filter(conversation_id=conversation_id)
    if types:
        unread = unread.filter(type__in=types)
    with transaction.atomic():
        unread.filter(delivered_at__isnull=True).update(delivered_at=now)
        return unread.update(read_at=now)


def delete_notification(*, user: User, notification_id: int) -> None:
    """Delete one of the user's notifications (its unsent deliveries go with it)."""
    deleted, _ = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).delete()
    if not deleted:
        raise NotificationNotFound()


@dataclass(frozen=True)
class Mute:
    conversation_id: int
    until: datetime | None


def _validate_channels(channels: dict[str, Any]) -> dict[str, dict[str, bool]]:
    cleaned: dict[str, dict[str, bool]] = {}
    for kind, per_channel in channels.items():
        if kind not in DEFAULT_CHANNELS:
            raise InvalidPreferences({"channels": f"Unknown notification type {kind!r}."})
        if not isinstance(per_channel, dict):
            raise InvalidPreferences({"channels": f"{kind}: expected an object of channels."})
        for channel, enabled in per_channel.items():
            if channel not in CHANNEL_KEYS:
                raise InvalidPreferences({"channels": f"{kind}: unknown channel {channel!r}."})
            if not isinstance(enabled, bool):
                raise InvalidPreferences({"channels": f"{kind}.{channel}: expected true/false."})
        cleaned[kind] = dict(per_channel)
    return cleaned


def _validate_mutes(user: User, mutes: list[Mute]) -> None:
    wanted = {mute.conversation_id for mute in mutes}
    member_of = set(
        Membership.objects.filter(
            user_id=user.pk, conversation_id__in=wanted, left_at__isnull=True
        ).values_list("conversation_id", flat=True)
    )
    missing = sorted(wanted - member_of)
    if missing:
        raise InvalidPreferences({"mutes": f"Conversation {missing[0]} not found."})


def update_preferences(
    *,
    user: User,
    channels: dict[str, Any] = UNSET,
    quiet_hours: tuple[time, time] | None = UNSET,
    time_zone: str = UNSET,
    sms_number: str = UNSET,
    send_read_receipts: bool = UNSET,
    mutes: list[Mute] = UNSET,
) -> NotificationPreferences:
    """Change what is given, keep the rest.

    `channels` are merged into the stored overrides (type → channel → bool);
    `quiet_hours` None clears them; `mutes` replaces the user's set of mutes
    (conversations the user is in). `send_read_receipts` lives on the user.
    """
    if channels is not UNSET:
        channels = _validate_channels(channels)
    if time_zone is not UNSET:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidPreferences({"time_zone": f"Unknown time zone {time_zone!r}."}) from exc
    if mutes is not UNSET:
        _validate_mutes(user, mutes)
    with transaction.atomic():
        preferences, _ = NotificationPreferences.objects.select_for_update().get_or_create(
            user=user
        )
        if channels is not UNSET:
            merged = {kind: dict(values) for kind, values in preferences.channels.items()}
            for kind, values in channels.items():
                merged.setdefault(kind, {}).update(values)
            preferences.channels = merged
        if quiet_hours is not UNSET:
            start, end = quiet_hours if quiet_hours is not None else (None, None)
            preferences.quiet_hours_start, preferences.quiet_hours_end = start, end
        if time_zone is not UNSET:
            preferences.time_zone = time_zone
        if sms_number is not UNSET:
            preferences.sms_number = sms_number
        preferences.save()
        if send_read_receipts is not UNSET and user.send_read_receipts != send_read_receipts:
            user.send_read_receipts = send_read_receipts
            user.save(update_fields=["send_read_receipts"])
        if mutes is not UNSET:
            ConversationMute.objects.filter(user=user).delete()
            ConversationMute.objects.bulk_create(
                ConversationMute(user=user, conversation_id=mute.conversation_id, until=mute.until)
                for mute in {mute.conversation_id: mute for mute in mutes}.values()
            )
    return preferences


def register_push_subscription(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Store a browser's subscription; the same endpoint again updates it (returns created?).

    An endpoint belongs to one browser profile: registering it moves it to this user.
    """
    subscription, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
    )
    return subscription, created


def unregister_push_subscription(
    *, user: User, subscription_id: int | None = None, endpoint: str | None = None
) -> None:
    """Forget one of the user's subscriptions, by id or by endpoint."""
    subscriptions = PushSubscription.objects.filter(user=user)
    if subscription_id is not None:
        subscriptions = subscriptions.filter(pk=subscription_id)
    elif endpoint:
        subscriptions = subscriptions.filter(endpoint=endpoint)
    else:
        raise PushSubscriptionNotFound()
    deleted, _ = subscriptions.delete()
    if not deleted:
        raise PushSubscriptionNotFound()


def erase_user_data(*, user: User) -> None:
    """A deleted account's notification data: inbox (with its deliveries), push
    subscriptions, preferences and mutes."""
    Notification.objects.filter(recipient_id=user.pk).delete()  # deliveries cascade
    PushSubscription.objects.filter(user=user).delete()
    NotificationPreferences.objects.filter(user=user).delete()
    ConversationMute.objects.filter(user=user).delete()
