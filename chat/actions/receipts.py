"""Delivered and read acknowledgements: cumulative pointers, receipts written in bulk."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import realtime
from accounts.models import User
from chat import events, selectors, signals
from chat.errors import InvalidAck
from chat.models import Conversation, Membership, Message, MessageReceipt
from realtime import event_types


def _check_up_to(*, conversation_id: int, up_to: int) -> None:
    if not Message.objects.filter(pk=up_to, conversation_id=conversation_id).exists():
        raise InvalidAck()


def _newly_acked(membership: Membership, *, after: int, up_to: int) -> list[tuple[int, int]]:
    """(id, author_id) of the others' live messages in (after, up_to], oldest first."""
    return list(
        Message.objects.filter(
            conversation_id=membership.conversation_id,
            id__gt=after,
            id__lte=up_to,
            deleted_at__isnull=True,
        )
        .exclude(author_id=membership.user_id)
        .order_by("id")
        .values_list("id", "author_id")
    )


def _author_ids(acked: list[tuple[int, int]]) -> list[int]:
    return sorted({author_id for _, author_id in acked})


def mark_delivered_up_to(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user's devices hold every message up to `up_to` (a message id of the conversation).

    Idempotent and monotonic: an `up_to` at or below the current pointer changes
    nothing. Returns the membership with its pointers.
    """
    with transaction.atomic(), realtime.batched():
        # The membership row lock orders concurrent acks from several devices.
        membership = selectors.active_membership(
            user=user, conversation_id=conversation_id, for_update=True
        )
        _check_up_to(conversation_id=conversation_id, up_to=up_to)
        _deliver(membership, user=user, up_to=up_to, now=timezone.now())
    return membership


def _deliver(membership: Membership, *, user: User, up_to: int, now: datetime) -> None:
    after = membership.last_delivered_message_id
    if up_to <= after:
        return
    acked = _newly_acked(membership, after=after, up_to=up_to)
    MessageReceipt.objects.bulk_create(
        [
            MessageReceipt(message_id=message_id, user=user, delivered_at=now)
            for message_id, _ in acked
        ],
        ignore_conflicts=True,
    )
    membership.last_delivered_message_id = up_to
    membership.last_delivered_at = now
    membership.save(update_fields=["last_delivered_message_id", "last_delivered_at"])
    realtime.publish(
        event_types.MESSAGE_DELIVERED,
        events.pointer_moved(
            conversation_id=membership.conversation_id, user_id=user.pk, up_to=up_to, at=now
        ),
        user_ids=selectors.active_member_ids(conversation_id=membership.conversation_id),
    )
    if acked:
        signals.messages_delivered.send(
            sender=Conversation,
            conversation=membership.conversation,
            reader=user,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
        )


def mark_read_up_to(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user has read every message up to `up_to`; a read implies delivered.

    Idempotent and monotonic like `mark_delivered_up_to`; recomputes the unread
    count from the messages after the new pointer. When the reader keeps read
    receipts off, only their own devices hear of it: the other members get the
    implied `message.delivered`, never `message.read` (the `messages_read` signal
    is sent either way; its receivers honour the setting).
    """
    with transaction.atomic(), realtime.batched():
        membership = selectors.active_membership(
            user=user, conversation_id=conversation_id, for_update=True
        )
        _check_up_to(conversation_id=conversation_id, up_to=up_to)
        now = timezone.now()
        _deliver(membership, user=user, up_to=up_to, now=now)
        after = membership.last_read_message_id
        if up_to <= after:
            return membership
        acked = _newly_acked(membership, after=after, up_to=up_to)
        # One statement for the range: rows delivered earlier get their read time,
        # missing rows are written delivered-and-read.
        MessageReceipt.objects.bulk_create(
            [
                MessageReceipt(message_id=message_id, user=user, delivered_at=now, read_at=now)
                for message_id, _ in acked
            ],
            update_conflicts=True,
            unique_fields=["message", "user"],
            update_fields=["read_at"],
        )
        membership.last_read_message_id = up_to
        membership.last_read_at = now
        membership.unread_count = (
            Message.objects.filter(
                conversation_id=conversation_id, id__gt=up_to, deleted_at__isnull=True
            )
            .exclude(author=user)
            .count()
        )
        membership.save(update_fields=["last_read_message_id", "last_read_at", "unread_count"])
        _publish_read(membership, user=user, up_to=up_to, now=now, acked=acked)
    return membership


def _publish_read(
    membership: Membership,
    *,
    user: User,
    up_to: int,
    now: datetime,
    acked: list[tuple[int, int]],
) -> None:
    conversation_id = membership.conversation_id
    # The reader's other devices learn the new unread count; nobody else sees it.
    realtime.publish(
        event_types.MESSAGE_READ,
        events.pointer_moved(
            conversation_id=conversation_id,
            user_id=user.pk,
            up_to=up_to,
            at=now,
            unread_count=membership.unread_count,
        ),
        user_ids=[user.pk],
    )
    if user.send_read_receipts:
        others = [
            member_id
            for member_id in selectors.active_member_ids(conversation_id=conversation_id)
            if member_id != user.pk
        ]
        realtime.publish(
            event_types.MESSAGE_READ,
            events.pointer_moved(
                conversation_id=conversation_id, user_id=user.pk, up_to=up_to, at=now
            ),
            user_ids=others,
        )
    if acked:
        # Sent whatever the reader's setting: receivers clear the reader's own
        # notifications, and must themselves tell authors only when
        # `reader.send_read_receipts` is on.
        signals.messages_read.send(
            sender=Conversation,
            conversation=membership.conversation,
            reader=user,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
        )
