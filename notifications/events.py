"""The notification as clients see it: one builder for the REST API and `notification.new`."""

from typing import Any

from config.api import iso, user_data
from notifications.models import Notification


def notification_data(notification: Notification) -> dict[str, Any]:
    actor = notification.actor
    return {
        "id": notification.pk,
        "type": notification.type,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "actor": user_data(actor) if actor is not None else None,
        "conversation_id": notification.conversation_id,
        "group_id": notification.group_id,
        "message_id": notification.message_id,
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at),
        "delivered_at": iso(notification.delivered_at),
    }


def new_notification_event(notification: Notification, *, unread_count: int) -> dict[str, Any]:
    """`notification.new`: shared by every recipient of one event with the same count.

    The notification comes without its `id` (each recipient's row has its own);
    `unread_count` is the recipient's unread total, capped at
    NOTIFICATION_EVENT_COUNT_CAP (the cap means "that many or more").
    """
    data = notification_data(notification)
    del data["id"]
    return {"notification": data, "unread_count": unread_count}
