"""What the conversation list shows: the caller's conversations, the other person of each
direct one, and the unread mentions."""

from collections.abc import Iterable, Sequence

from django.db.models import Count, F, QuerySet

from accounts.models import User
from chat.models import Conversation, Membership, MessageMention


def direct_peer_id(conversation: Conversation, *, viewer_id: int) -> int | None:
    """The other person of a direct conversation, read from its key (no query)."""
    if not conversation.direct_key:
        return None
    low, high = (int(part) for part in conversation.direct_key.split(":"))
    return high if low == viewer_id else low


def peers_by_conversation(
    conversations: Iterable[Conversation], *, viewer_id: int
) -> dict[int, User]:
    """The other person of each direct conversation, in one query."""
    peer_ids = {
        conversation.pk: peer_id
        for conversation in conversations
        if (peer_id := direct_peer_id(conversation, viewer_id=viewer_id)) is not None
    }
    users = User.objects.in_bulk(set(peer_ids.values()))
    return {
        conversation_id: users[peer_id]
        for conversation_id, peer_id in peer_ids.items()
        if peer_id in users
    }


def conversation_list(*, user: User) -> QuerySet[Membership]:
    """The caller's current conversations, newest activity first (memberships carry unread)."""
    return (
        Membership.objects.filter(user=user, left_at__isnull=True)
        .select_related(
            "conversation",
            "conversation__group",
            "conversation__last_message",
            "conversation__last_message__author",
        )
        .order_by(
            F("conversation__last_message_at").desc(nulls_last=True),
            "-conversation__created_at",
            "-conversation_id",
        )
    )


def unread_mention_counts(*, viewer: User, memberships: Sequence[Membership]) -> dict[int, int]:
    """Per conversation: messages after the viewer's read pointer that mention them (one query)."""
    conversation_ids = [membership.conversation_id for membership in memberships]
    if not conversation_ids:
        return {}
    rows = (
        MessageMention.objects.filter(
            user=viewer,
            conversation_id__in=conversation_ids,
            message__deleted_at__isnull=True,
            conversation__memberships__user=viewer,
            message_id__gt=F("conversation__memberships__last_read_message_id"),
        )
        .values("conversation_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["conversation_id"]: row["count"] for row in rows}
