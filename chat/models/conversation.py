"""Conversations and who is in them.

Unread counts are cheap by construction: each membership keeps pointers (the last
message id delivered to and read by that member) and an `unread_count` counter that
the chat actions keep exact in the same transaction as every send, read and delete.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


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
