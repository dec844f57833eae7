"""Notifications' data: the inbox, the user's preferences and mutes, outbound deliveries."""

from notifications.models.delivery import (
    Channel,
    Delivery,
    DeliveryDailyStat,
    DeliveryStatus,
    PushSubscription,
)
from notifications.models.notification import Notification, NotificationType
from notifications.models.preferences import ConversationMute, NotificationPreferences

__all__ = [
    "Channel",
    "ConversationMute",
    "Delivery",
    "DeliveryDailyStat",
    "DeliveryStatus",
    "Notification",
    "NotificationPreferences",
    "NotificationType",
    "PushSubscription",
]
