"""What an ack tells people: `message.delivered` / `message.read` events, and the
`messages_delivered` / `messages_read` signals for the newly acknowledged messages."""

from datetime import datetime

import realtime
from accounts.models import User
from chat import events, signals
from chat.models import Conversation, Membership
from config.bulk import BulkWrite
from realtime import event_types


def _author_ids(acked: list[tuple[int, int]]) -> list[int]:
    return sorted({author_id for _, author_id in acked})


def publish_delivered(
    conversation: Conversation,
    *,
    user: User,
    up_to: int,
    now: datetime,
    member_ids: list[int],
    acked: list[tuple[int, int]],
    writes: BulkWrite | None = None,
    audience: dict | None = None,
) -> None:
    """`message.delivered` to every member, and the signal for the newly acked messages."""
    realtime.publish(
        event_types.MESSAGE_DELIVERED,
        events.pointer_moved(conversation_id=conversation.pk, user_id=user.pk, up_to=up_to, at=now),
        user_ids=member_ids,
    )
    _acknowledged(signals.messages_delivered, conversation, user, acked, writes, audience)


def publish_read(
    conversation: Conversation,
    membership: Membership,
    *,
    user: User,
    up_to: int,
    now: datetime,
    member_ids: list[int],
    acked: list[tuple[int, int]],
    writes: BulkWrite | None = None,
    audience: dict | None = None,
) -> None:
    # The reader's other devices learn the new unread count; nobody else sees it.
    realtime.publish(
        event_types.MESSAGE_READ,
        events.pointer_moved(
            conversation_id=conversation.pk,
            user_id=user.pk,
            up_to=up_to,
            at=now,
            unread_count=membership.unread_count,
        ),
        user_ids=[user.pk],
    )
    if user.send_read_receipts:
        realtime.publish(
            event_types.MESSAGE_READ,
            events.pointer_moved(
                conversation_id=conversation.pk, user_id=user.pk, up_to=up_to, at=now
            ),
            user_ids=[member_id for member_id in member_ids if member_id != user.pk],
        )
    # Sent whatever the reader's setting: receivers clear the reader's own notifications,
    # and must themselves tell authors only when `reader.send_read_receipts` is on.
    _acknowledged(signals.messages_read, conversation, user, acked, writes, audience)


def _acknowledged(signal, conversation, reader, acked, writes, audience) -> None:
    if acked:
        signal.send(
            sender=Conversation,
            conversation=conversation,
            reader=reader,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
            writes=writes,
            audience=audience,
        )
