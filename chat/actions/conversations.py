"""Opening conversations and the membership rows that groups build on."""

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts import blocking
from accounts.models import User
from chat.errors import CannotChatWithSelf, UserNotFound
from chat.models import Conversation, Membership, Message
from chat.selectors import direct_peer_id


def get_or_create_direct_conversation(*, user: User, other_id: int) -> tuple[Conversation, bool]:
    """The one direct conversation between `user` and `other_id`, created on first use.

    Returns (conversation, created). Both sides get the same conversation whoever
    opens it first, also when they do so at the same moment (the unique
    `direct_key` decides the race).
    """
    if other_id == user.pk:
        raise CannotChatWithSelf()
    other = User.objects.filter(pk=other_id, is_active=True).first()
    if other is None:
        raise UserNotFound()
    blocking.ensure_may_message(sender_id=user.pk, recipient_id=other.pk)
    key = Conversation.direct_key_for(user.pk, other.pk)
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key
            )
            Membership.objects.bulk_create(
                [
                    Membership(conversation=conversation, user_id=member_id)
                    for member_id in sorted({user.pk, other.pk})
                ]
            )
    except IntegrityError:  # the other side opened it at the same moment
        return Conversation.objects.get(direct_key=key), False
    return conversation, True


def ensure_may_write(*, conversation: Conversation, author: User) -> None:
    """Blocked (403) when the conversation is direct and either side blocked the other.

    No query unless the conversation is flagged (then one, to say which side blocked).
    """
    if not conversation.is_blocked:
        return
    peer_id = direct_peer_id(conversation, viewer_id=author.pk)
    if peer_id is not None:
        blocking.ensure_may_message(sender_id=author.pk, recipient_id=peer_id)


def refuse_if_blocked(*, conversation_id: int, author: User) -> None:
    """ensure_may_write for a send that stored nothing (one query, off the hot path)."""
    conversation = (
        Conversation.objects.filter(pk=conversation_id)
        .only("id", "direct_key", "is_blocked")
        .first()
    )
    if conversation is not None:
        ensure_may_write(conversation=conversation, author=author)


def create_group_conversation() -> Conversation:
    """An empty group conversation; groups.actions adds the members (inside its transaction)."""
    return Conversation.objects.create(kind=Conversation.Kind.GROUP)


def lock_conversation(*, conversation_id: int) -> Conversation | None:
    """Serialise membership changes and sends of one conversation on its row lock.

    None when the conversation was deleted (with its group) in the meantime.
    """
    return Conversation.objects.select_for_update(no_key=True).filter(pk=conversation_id).first()


def join_members(
    *, conversation: Conversation, user_ids: Sequence[int], role: str = Membership.Role.MEMBER
) -> list[int]:
    """Make `user_ids` current members; returns those who were not already.

    New members start caught up (their pointers at the newest message, unread 0):
    the history is visible to them, but they are not notified of it. Former
    members come back with a fresh role and join date.
    """
    wanted = set(user_ids)
    rows = {
        membership.user_id: membership
        for membership in Membership.objects.filter(conversation=conversation, user_id__in=wanted)
    }
    joining = sorted(
        user_id for user_id in wanted if user_id not in rows or rows[user_id].left_at is not None
    )
    if not joining:
        return []
    newest = (
        Message.objects.filter(conversation=conversation).aggregate(newest=Max("id"))["newest"] or 0
    )
    now = timezone.now()
    returning = [rows[user_id] for user_id in joining if user_id in rows]
    for membership in returning:
        membership.role = role
        membership.joined_at = now
        membership.left_at = None
        membership.removed_by = None
        membership.unread_count = 0
        membership.last_delivered_message_id = max(membership.last_delivered_message_id, newest)
        membership.last_read_message_id = max(membership.last_read_message_id, newest)
    Membership.objects.bulk_update(
        returning,
        [
            "role", "joined_at", "left_at", "removed_by", "unread_count",
            "last_delivered_message_id", "last_read_message_id",
        ],
    )  # fmt: skip
    Membership.objects.bulk_create(
        [
            Membership(
                conversation=conversation,
                user_id=user_id,
                role=role,
                joined_at=now,
                last_delivered_message_id=newest,
                last_read_message_id=newest,
            )
            for user_id in joining
            if user_id not in rows
        ]
    )
    return joining


def end_membership(*, membership: Membership, removed_by: User | None = None) -> None:
    """The member leaves (or is removed): they keep no access and receive nothing further."""
    membership.left_at = timezone.now()
    membership.removed_by = removed_by
    membership.role = Membership.Role.MEMBER
    membership.unread_count = 0
    membership.save(update_fields=["left_at", "removed_by", "role", "unread_count"])
