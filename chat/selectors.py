"""Reused reads of chat: membership checks, the conversation list, history pages, receipts."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Case, Count, F, Min, QuerySet, When

from accounts.models import User
from chat.errors import AttachmentNotFound, MessageNotFound, NotAMember
from chat.models import (
    Attachment,
    Conversation,
    Membership,
    Message,
    MessageMention,
    MessageReceipt,
)
from realtime import presence


def active_membership(*, user: User, conversation_id: int, for_update: bool = False) -> Membership:
    """The caller's current membership, or NotAMember (404) for outsiders and former members."""
    memberships = Membership.objects.select_related("conversation", "conversation__group")
    if for_update:
        # Only the membership row: the conversation and group stay unlocked.
        memberships = memberships.select_for_update(of=("self",))
    try:
        return memberships.get(
            conversation_id=conversation_id, user_id=user.pk, left_at__isnull=True
        )
    except Membership.DoesNotExist:
        raise NotAMember() from None


def visible_message(*, user: User, message_id: int) -> tuple[Message, Membership]:
    """A message of a conversation the caller is in; MessageNotFound (404) otherwise."""
    message = (
        Message.objects.select_related("author", "conversation", "conversation__group")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise MessageNotFound()
    membership = (
        Membership.objects.filter(
            conversation_id=message.conversation_id, user=user, left_at__isnull=True
        )
        .only("id", "role", "conversation_id", "user_id")
        .first()
    )
    if membership is None:
        raise MessageNotFound()
    return message, membership


def active_member_ids(*, conversation_id: int) -> list[int]:
    return list(
        Membership.objects.filter(conversation_id=conversation_id, left_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def current_members(*, conversation_id: int) -> list[Membership]:
    """Current members with their users, by seniority."""
    return list(
        Membership.objects.filter(conversation_id=conversation_id, left_at__isnull=True)
        .select_related("user")
        .order_by("joined_at", "id")
    )


def presence_audiences(*, user_ids: Sequence[int]) -> dict[int, list[int]]:
    """Who sees each user's online / last-seen: their direct-conversation peers (one query).

    As in WhatsApp, presence shows in one-to-one chats only: announcing it to every
    co-member of large groups would cost members x members events per reconnect storm.
    """
    keys = (
        Conversation.objects.filter(
            kind=Conversation.Kind.DIRECT, memberships__user_id__in=user_ids
        )
        .values_list("direct_key", flat=True)
        .distinct()
    )
    audiences: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    for key in keys:
        first, second = (int(part) for part in key.split(":"))
        if first in audiences:
            audiences[first].append(second)
        if second in audiences:
            audiences[second].append(first)
    _add_group_watchers(audiences)
    return audiences


def _add_group_watchers(audiences: dict[int, list[int]]) -> None:
    """Those with one of the users' groups' member panel open see them too (see
    realtime.presence.watch): one query, only when some panel is open at all."""
    watched = presence.watched_conversation_ids()
    if not watched:
        return
    rows = list(
        Membership.objects.filter(
            user_id__in=list(audiences), conversation_id__in=watched, left_at__isnull=True
        ).values_list("user_id", "conversation_id")
    )
    watchers = presence.watchers_of({conversation_id for _, conversation_id in rows})
    for user_id, conversation_id in rows:
        known = set(audiences[user_id])
        for viewer in watchers.get(conversation_id, []):
            if viewer != user_id and viewer not in known:
                audiences[user_id].append(viewer)
                known.add(viewer)


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


@dataclass(frozen=True)
class Ticks:
    """The lowest pointers among the other members: a message at or below them is delivered/read.

    A member who turned off read receipts counts as having read nothing, so others
    never see read ticks for them; their delivered ticks still show.
    """

    delivered_up_to: int | None
    read_up_to: int | None


def ticks_by_conversation(*, conversation_ids: Sequence[int], viewer_id: int) -> dict[int, Ticks]:
    """Ticks for the viewer's own messages in each conversation, in one query."""
    rows = (
        Membership.objects.filter(conversation_id__in=conversation_ids, left_at__isnull=True)
        .exclude(user_id=viewer_id)
        .values("conversation_id")
        .annotate(
            delivered=Min("last_delivered_message_id"),
            read=Min(
                Case(
                    When(user__send_read_receipts=True, then=F("last_read_message_id")),
                    default=0,
                )
            ),
        )
        .order_by()
    )
    ticks = {row["conversation_id"]: Ticks(row["delivered"], row["read"]) for row in rows}
    return {cid: ticks.get(cid, Ticks(None, None)) for cid in conversation_ids}


def message_page(
    *, conversation_id: int, before: int | None, after: int | None, limit: int
) -> tuple[list[Message], bool]:
    """Up to `limit` messages, oldest first, and whether more lie beyond the far end.

    Without `after` the page ends just before `before` (or at the newest message);
    with `after` it starts just after that id.
    """
    messages = Message.objects.filter(conversation_id=conversation_id).select_related("author")
    if after is not None:
        rows = list(messages.filter(id__gt=after).order_by("id")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages.order_by("-id")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


@dataclass(frozen=True)
class Receipt:
    user: User
    delivered_at: object
    read_at: object


def receipts_for(*, message: Message) -> list[Receipt]:
    """Per current member but the author: when the message reached and was read by them.

    Members who joined after the message was sent are left out; read times of
    members who keep read receipts off are hidden.
    """
    memberships = (
        Membership.objects.filter(
            conversation_id=message.conversation_id,
            left_at__isnull=True,
            joined_at__lte=message.created_at,
        )
        .exclude(user_id=message.author_id)
        .select_related("user")
        .order_by("user__username")
    )
    by_user = {
        receipt.user_id: receipt
        for receipt in MessageReceipt.objects.filter(message=message).only(
            "user_id", "delivered_at", "read_at"
        )
    }
    receipts = []
    for membership in memberships:
        receipt = by_user.get(membership.user_id)
        read_at = receipt.read_at if receipt else None
        if not membership.user.send_read_receipts:
            read_at = None
        receipts.append(
            Receipt(
                user=membership.user,
                delivered_at=receipt.delivered_at if receipt else None,
                read_at=read_at,
            )
        )
    return receipts


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


def visible_attachment(*, user: User, attachment_id: int) -> Attachment:
    """An attachment the user may download, else AttachmentNotFound (404).

    An unsent upload is its uploader's alone; a sent one is for the current members of
    its conversation while its message is not deleted.
    """
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise AttachmentNotFound()
    if attachment.message is None:
        if attachment.uploader_id != user.pk:
            raise AttachmentNotFound()
        return attachment
    if attachment.message.deleted_at is not None:
        raise AttachmentNotFound()
    is_member = Membership.objects.filter(
        conversation_id=attachment.conversation_id, user=user, left_at__isnull=True
    ).exists()
    if not is_member:
        raise AttachmentNotFound()
    return attachment


def messages_by_author(*, user_id: int) -> QuerySet[Message]:
    """Every message the user wrote, oldest first (the account export)."""
    return (
        Message.objects.filter(author_id=user_id)
        .order_by("id")
        .only("id", "conversation_id", "body", "created_at", "edited_at", "deleted_at")
    )
