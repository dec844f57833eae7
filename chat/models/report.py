"""Members' reports of messages: the moderation queue."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from chat.models.message import Message


class MessageReport(models.Model):
    """A member's report of a message: the moderation queue in the Django admin."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"
        MESSAGE_DELETED = "message_deleted", "Message deleted"
        AUTHOR_DEACTIVATED = "author_deactivated", "Author deactivated"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_reports"
    )
    reason = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            # One report per reporter and message; reporting again updates the reason.
            models.UniqueConstraint(fields=["message", "reporter"], name="report_message_reporter"),
        ]
        indexes = [
            # The moderation queue: open reports, oldest first.
            models.Index(fields=["status", "created_at"], name="report_queue"),
        ]

    def __str__(self) -> str:
        return f"report #{self.pk} of message {self.message_id}"
