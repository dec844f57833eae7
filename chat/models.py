"""Chat's data: conversations, who is in them, their messages and per-recipient receipts.

Unread counts are cheap by construction: each membership keeps pointers (the last
message id delivered to and read by that member) and an `unread_count` counter that
the chat actions keep exact in the same transaction as every send, read and delete.
"""

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.db.models import F, Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        GROUP = "group", "Group"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    # "<smaller user id>:<larger user id>" for a direct conversation, so the pair is
    # unique whoever opens it; NULL for groups (NULLs never collide).
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Denormalised for the conversation list: newest activity first, last message
    # without a subquery per row.
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message = models.ForeignKey(
        "chat.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A direct conversation where either side blocked the other (accounts.Block): kept on
    # the row that every send locks anyway, so an unblocked send pays no extra query.
    is_blocked = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="direct", direct_key__isnull=False))
                | (Q(kind="group", direct_key__isnull=True)),
                name="conversation_direct_key_iff_direct",
            ),
        ]
        indexes = [
            # Plain DESC (no NULLS LAST): SQLite, the embedded default, cannot index that.
            models.Index(fields=["-last_message_at"], name="conv_last_message_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} conversation #{self.pk}"

    @staticmethod
    def direct_key_for(user_id: int, other_id: int) -> str:
        low, high = sorted((user_id, other_id))
        return f"{low}:{high}"


class Membership(models.Model):
    """A user in a conversation. Leaving or removal keeps the row with `left_at` set."""

    class Role(models.TextChoices):
        # Ordered by power; direct conversations use MEMBER only.
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_memberships"
    )
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # Who removed this member (NULL when they left on their own or are active).
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_delivered_message_id = models.BigIntegerField(default=0)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    last_read_message_id = models.BigIntegerField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="membership_conversation_user_uniq"
            ),
            # A read implies delivered: the read pointer never passes the delivered one.
            models.CheckConstraint(
                condition=Q(last_read_message_id__lte=F("last_delivered_message_id")),
                name="membership_read_not_past_delivered",
            ),
        ]
        indexes = [
            # The caller's active conversations (the conversation list, membership checks).
            models.Index(
                fields=["user", "conversation"],
                condition=Q(left_at__isnull=True),
                name="membership_active_by_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


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


class AttachmentStorage(LazyObject):
    """Django's storage named "attachments" (file system by default, S3 when configured),
    looked up on first use rather than when the model class is built."""

    def _setup(self) -> None:
        self._wrapped = storages["attachments"]


ATTACHMENT_STORAGE = AttachmentStorage()


@receiver(setting_changed)
def _forget_attachment_storage(*, setting: str, **kwargs) -> None:
    # As Django does for default_storage: a changed STORAGES (tests) takes effect at once.
    if setting == "STORAGES":
        ATTACHMENT_STORAGE._wrapped = empty  # pinned: tests/operations/test_private_internals.py


def attachment_storage() -> Storage:
    """The attachments' storage (a callable, so migrations refer to it, not to its settings)."""
    return ATTACHMENT_STORAGE


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


class Attachment(models.Model):
    """A file uploaded to a conversation; it belongs to a message once that is sent.

    Uploads never sent (message NULL) are removed by `manage.py purge_attachments`.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="attachments"
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=attachment_storage, max_length=255)
    thumbnail = models.FileField(storage=attachment_storage, max_length=255, blank=True)
    # The name as uploaded (shown and offered on download); never used as a storage path.
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.BigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The orphan purge: unsent uploads older than a cut-off.
            models.Index(
                fields=["created_at"],
                condition=Q(message__isnull=True),
                name="attachment_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"attachment #{self.pk} ({self.name})"

    @property
    def is_image(self) -> bool:
        return bool(self.thumbnail)


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
