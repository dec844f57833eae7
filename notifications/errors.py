"""Notifications' domain errors; config.errors.api_exception_handler maps them to HTTP."""

from config.errors import DomainError, NotFound


class NotificationNotFound(NotFound):
    """Missing, or someone else's: another user's notification does not exist for you."""

    code = "notification_not_found"
    message = "Notification not found."


class PushSubscriptionNotFound(NotFound):
    code = "push_subscription_not_found"
    message = "Push subscription not found."


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    message = "Delivery not found."


class NotRetryable(DomainError):
    code = "not_retryable"
    message = "Only dead or skipped deliveries can be retried."


class InvalidPreferences(DomainError):
    """Carries per-field messages like a serializer's ValidationError."""

    code = "invalid"
    message = "Invalid preferences."

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values()), self.message))
        self.fields = fields
