"""Messages and what each recipient has of them: receipts, reactions, mentions."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from chat.models.conversation import Conversation


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages"
    )
    body = models.TextField()
    # The message this one answers (same conversation; checked on send).
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sending device's UUID for this message: a resend with the same one is a no-op.
    client_id = models.UUIDField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"], name="message_author_client_uniq"
            ),
        ]
        indexes = [
            # History pages and ack ranges: WHERE conversation_id = ? AND id < / > ?.
            models.Index(fields=["conversation", "id"], name="message_conversation_id"),
            models.Index(fields=["created_at"], name="message_created_at"),
        ]

    def __str__(self) -> str:
        return f"message #{self.pk} in {self.conversation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageReceipt(models.Model):
    """When one recipient's devices received and read one message (a read implies delivered)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_receipts"
    )
    delivered_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="receipt_message_user_uniq"),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(read_at__gte=F("delivered_at")),
                name="receipt_read_after_delivered",
            ),
        ]
        indexes = [
            # Marking a range read: WHERE user_id = ? AND message_id BETWEEN ...
            models.Index(fields=["user", "message"], name="receipt_user_message"),
        ]

    def __str__(self) -> str:
        return f"receipt {self.message_id}/{self.user_id}"


class MessageReaction(models.Model):
    """One user's emoji on one message: at most one of each emoji per user and message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_reactions"
    )
    emoji = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "emoji", "user"], name="reaction_message_emoji_user_uniq"
            ),
        ]
        indexes = [
            # "Which emoji did I use lately" (the picker's frequent list).
            models.Index(fields=["user", "-created_at"], name="reaction_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class MessageMention(models.Model):
    """A member named with @username in a message: a per-recipient flag, like a receipt."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_mentions"
    )
    # Denormalised so the chat list's badge (mentions after my read pointer) is one index range.
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="mention_message_user_uniq"),
        ]
        indexes = [
            models.Index(fields=["user", "conversation", "message"], name="mention_badge"),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"
