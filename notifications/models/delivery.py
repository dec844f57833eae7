from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PUSH = "push", "Web push"
    SMS = "sms", "SMS"


class DeliveryStatus(models.TextChoices):
    """pending → sent | failed → retrying → sent | failed … → dead.

    - pending: waiting for its first attempt (maybe deferred: quiet hours, online
      delay, the email read grace).
    - failed: the last attempt hit a transient error; the next one is due at
      `next_attempt_at` (exponential backoff with jitter).
    - retrying: a worker is making a retry attempt right now (a lease on
      `next_attempt_at`; when a worker dies mid-attempt the lease runs out and
      `manage.py deliveries dispatch` picks the delivery up again).
    - sent: the provider accepted it (`provider_message_id`).
    - dead: a permanent error, or DELIVERY_MAX_ATTEMPTS used up; `last_error` keeps
      the full error. Retried by staff (admin, API, command) or discarded.
    - skipped: nothing to send any more (read in-app first, channel turned off,
      muted, no address); not an error.
    """

    PENDING = "pending", "Pending"
    FAILED = "failed", "Failed (will retry)"
    RETRYING = "retrying", "Retrying"
    SENT = "sent", "Sent"
    DEAD = "dead", "Dead"
    SKIPPED = "skipped", "Skipped"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.RETRYING)


class Delivery(models.Model):
    """One notification sent (or to be sent) to its recipient over one outbound channel."""

    notification = models.ForeignKey(
        "notifications.Notification",
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # the (notification, channel) unique index serves
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_notification_channel"
            ),
        ]
        indexes = [
            # The dispatcher's sweep: open deliveries whose time has come.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed", "retrying"]),
                name="delivery_open_due",
            ),
            # Dead letters and other status lists, newest first.
            models.Index(fields=["status", "-updated_at"], name="delivery_status_updated"),
            models.Index(fields=["channel", "status"], name="delivery_channel_status"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PushSubscription(models.Model):
    """A browser's Web Push subscription (PushSubscription.toJSON() of the Push API)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"push subscription #{self.pk} of {self.user_id}"


class DeliveryDailyStat(models.Model):
    """Rollup: outcomes per channel per day (UTC), bumped in the same write as the outcome."""

    day = models.DateField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0, help_text="Failed attempts (transient)")
    dead = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "delivery statistics (daily)"
        verbose_name_plural = "delivery statistics (daily)"
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="deliverystat_day_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}"
