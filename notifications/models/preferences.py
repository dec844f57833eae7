from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationPreferences(models.Model):
    """A user's choices; absent rows and absent keys mean the defaults in preferences.py."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    # Overrides only: {"message.new": {"email": false, "push": true}, ...}.
    channels = models.JSONField(default=dict, blank=True)
    # Outbound channels wait for the end of quiet hours (in `time_zone`); the in-app
    # inbox is never quiet. Both ends set, or neither.
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    # E.164 number for the SMS channel.
    sms_number = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="notifprefs_quiet_hours_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"


class ConversationMute(models.Model):
    """No notifications from this conversation until `until` (NULL: until unmuted)."""

    # Both lookups are served by the two composite indexes below.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="conversation_mutes",
        db_index=False,
    )
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, related_name="mutes", db_index=False
    )
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="mute_user_conversation"),
        ]
        indexes = [
            # Fan-out: which of these recipients muted this conversation?
            models.Index(fields=["conversation", "user"], name="mute_conversation_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} muted {self.conversation_id}"
