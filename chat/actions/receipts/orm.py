"""Acks through the ORM, for databases without data-modifying CTEs (SQLite)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

import realtime
from accounts.models import User
from chat import selectors
from chat.actions.receipts.publishing import publish_delivered, publish_read
from chat.errors import InvalidAck
from chat.models import Membership, Message, MessageReceipt


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


def mark_delivered_with_orm(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """`mark_delivered_up_to` through the ORM."""
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
    publish_delivered(
        membership.conversation,
        user=user,
        up_to=up_to,
        now=now,
        member_ids=selectors.active_member_ids(conversation_id=membership.conversation_id),
        acked=acked,
    )


def mark_read_with_orm(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """`mark_read_up_to` through the ORM."""
    user = User.objects.get(pk=user.pk)  # the caller may be built from a token's claims
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
        publish_read(
            membership.conversation,
            membership,
            user=user,
            up_to=up_to,
            now=now,
            member_ids=selectors.active_member_ids(conversation_id=conversation_id),
            acked=acked,
        )
    return membership
