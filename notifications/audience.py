"""What the notification fan-out reads about each recipient of a send, inside the send's query.

Registered with chat.audience, so a message's recipients come back from the send's own
statement with their preferences, mute, push subscription, unread count, and ids taken
from the sequences for the notification and its deliveries (one per outbound channel);
`facts_from` turns such a row into the fan-out's `RecipientFacts`.
"""

from datetime import time
from typing import Any

from django.conf import settings
from django.db import connection

from notifications.fanout import RecipientFacts
from notifications.models import (
    ConversationMute,
    Delivery,
    Notification,
    NotificationPreferences,
    PushSubscription,
)
from notifications.models.notification import NotificationType
from notifications.preferences import (
    DEFAULT_CHANNELS,
    IN_APP,
    OUTBOUND_CHANNELS,
    settings_from_row,
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def recipient_columns() -> dict[str, str]:
    """SQL over `u` (the recipient) and the send's %(conversation_id)s / %(now)s."""
    delivery_ids = ", ".join(
        [f"nextval(pg_get_serial_sequence('{Delivery._meta.db_table}', 'id'))"]
        * len(OUTBOUND_CHANNELS)
    )
    cap = settings.NOTIFICATION_EVENT_COUNT_CAP
    # Only quoted table names and a settings integer are interpolated.
    return {
        "n_email": "u.email",
        "n_active": "u.is_active",
        "n_preferences": (
            f"(SELECT json_build_array(p.channels, p.quiet_hours_start, p.quiet_hours_end, "  # noqa: S608
            f"p.time_zone, p.sms_number) FROM {_table(NotificationPreferences)} p "
            "WHERE p.user_id = u.id)"
        ),
        "n_muted": (
            f"EXISTS (SELECT 1 FROM {_table(ConversationMute)} m "  # noqa: S608
            "WHERE m.user_id = u.id AND m.conversation_id = %(conversation_id)s "
            "AND (m.until IS NULL OR m.until > %(now)s))"
        ),
        "n_push": f"EXISTS (SELECT 1 FROM {_table(PushSubscription)} s WHERE s.user_id = u.id)",  # noqa: S608
        # Capped like the event's count, so a huge unread inbox costs no more than `cap` rows.
        "n_unread": (
            f"(SELECT count(*) FROM (SELECT 1 FROM {_table(Notification)} n "  # noqa: S608
            f"WHERE n.recipient_id = u.id AND n.read_at IS NULL LIMIT {int(cap)}) capped)"
        ),
        "n_notification_id": (
            f"CASE WHEN u.id IS NOT NULL THEN "
            f"nextval(pg_get_serial_sequence('{Notification._meta.db_table}', 'id')) END"
        ),
        "n_delivery_ids": f"CASE WHEN u.id IS NOT NULL THEN ARRAY[{delivery_ids}] END",
    }


def receipt_wanted_columns() -> dict[str, str]:
    """Per receipt type: whether any author of the acked messages may want its in-app
    notification, by the same rule as preferences.merged_channels (a stored boolean for the
    type overrides DEFAULT_CHANNELS). True only means "look closer": the fan-out then reads
    the authors' settings (active users only) as for any notification."""
    preferences = _table(NotificationPreferences)
    columns = {}
    for kind in (NotificationType.MESSAGE_DELIVERED, NotificationType.MESSAGE_READ):
        default = "true" if DEFAULT_CHANNELS[kind.value][IN_APP] else "false"
        # The type and channel are our own constants (no quotes in them), not input.
        entry = f"p.channels -> '{kind.value}' -> '{IN_APP}'"
        columns[f"n_wants_{kind.value.split('.')[1]}"] = (
            f"EXISTS (SELECT 1 FROM acked a LEFT JOIN {preferences} p "  # noqa: S608
            "ON p.user_id = a.author_id WHERE CASE jsonb_typeof("
            f"{entry}) WHEN 'boolean' THEN ({entry})::text::boolean ELSE {default} END)"
        )
    return columns


def receipt_wanted(kind: str, audience: dict[str, Any] | None) -> bool:
    """What the ack's statement said of `kind` (True when it did not say)."""
    if audience is None:
        return True
    return bool(audience.get(f"n_wants_{kind.split('.')[1]}", True))


def _time(value: Any) -> time | None:
    return time.fromisoformat(value) if isinstance(value, str) else value


def facts_from(user_id: int, columns: dict[str, Any]) -> RecipientFacts | None:
    """The recipient's facts; None for a deactivated user (who is notified of nothing)."""
    if not columns["n_active"]:
        return None
    channels, quiet_start, quiet_end, time_zone, sms = columns["n_preferences"] or (None,) * 5
    return RecipientFacts(
        settings=settings_from_row(
            user_id=user_id,
            email=columns["n_email"],
            channels=channels,
            quiet_start=_time(quiet_start),
            quiet_end=_time(quiet_end),
            time_zone=time_zone,
            sms_number=sms,
        ),
        muted=columns["n_muted"],
        push_subscribed=columns["n_push"],
        unread_notifications=columns["n_unread"],
        notification_id=columns["n_notification_id"],
        delivery_ids=tuple(columns["n_delivery_ids"]),
    )
