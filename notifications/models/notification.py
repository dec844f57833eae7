from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class NotificationType(models.TextChoices):
    MESSAGE_NEW = "message.new", "New message"
    MESSAGE_DELIVERED = "message.delivered", "Message delivered"
    MESSAGE_READ = "message.read", "Message read"
    MESSAGE_DELETED = "message.deleted", "Message deleted"
    MESSAGE_MENTION = "message.mention", "Mentioned in a message"
    GROUP_INVITE = "group.invite", "Added to a group"
    GROUP_MEMBER_ADDED = "group.member_added", "Member added"
    GROUP_MEMBER_REMOVED = "group.member_removed", "Member removed"
    GROUP_MEMBER_LEFT = "group.member_left", "Member left"
    GROUP_ROLE_UPDATED = "group.role_updated", "Role changed"
    GROUP_UPDATED = "group.updated", "Group updated"
    GROUP_DELETED = "group.deleted", "Group deleted"


class Notification(models.Model):
    """One entry of a user's inbox.

    The targets are plain ids, not foreign keys: a `group.deleted` notification
    outlives its group, and a message's notifications outlive nothing they need.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notif_inbox (recipient first) serves lookups by recipient
    )
    type = models.CharField(max_length=32, choices=NotificationType.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    conversation_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the notification first reached the user outside the open app (an outbound
    # delivery was sent) or was read, whichever came first.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The inbox, newest first (id breaks ties of one bulk insert).
            models.Index(fields=["recipient", "-created_at", "-id"], name="notif_inbox"),
            # ?type= filter on the inbox.
            models.Index(fields=["recipient", "type", "-created_at"], name="notif_inbox_type"),
            # Unread inbox and the unread count: only unread rows are indexed.
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notif_unread",
            ),
            # Reading a chat marks its message notifications read up to a message.
            models.Index(
                fields=["recipient", "conversation_id", "message_id"],
                condition=Q(read_at__isnull=True),
                name="notif_unread_conversation",
            ),
            # A deleted message or a conversation one left takes its notifications along.
            models.Index(fields=["message_id"], name="notif_message"),
            models.Index(fields=["conversation_id", "recipient"], name="notif_conversation"),
            models.Index(fields=["group_id"], name="notif_group"),
            # purge_notifications --older-than.
            models.Index(fields=["created_at"], name="notif_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.recipient_id}"
