"""The chat API's response bodies as one viewer sees them, in a fixed number of queries.

Each row is the payload chat/events.py builds (the same dict the real-time events carry),
with what depends on the viewer: the ticks of their own messages, reactions they made,
their unread mention badge, read pointers hidden by others' receipt settings.
"""

from collections.abc import Sequence

from accounts.models import User
from chat import events, selectors
from chat.message_extras import load_extras
from chat.models import Membership, Message
from config.api import iso, user_data


def conversation_rows(memberships: Sequence[Membership], *, viewer: User) -> list[dict]:
    """The conversation list items for `viewer`: a fixed number of queries, however many."""
    conversations = [membership.conversation for membership in memberships]
    peers = selectors.peers_by_conversation(conversations, viewer_id=viewer.pk)
    load_extras([conversation.last_message for conversation in conversations], viewer_id=viewer.pk)
    mention_badges = selectors.unread_mention_counts(viewer=viewer, memberships=memberships)
    ticks = selectors.ticks_by_conversation(
        conversation_ids=[conversation.pk for conversation in conversations], viewer_id=viewer.pk
    )
    rows = []
    for membership in memberships:
        conversation = membership.conversation
        last = conversation.last_message
        status = None
        if last is not None and last.author_id == viewer.pk:
            tick = ticks[conversation.pk]
            status = events.message_status(
                last, delivered_up_to=tick.delivered_up_to, read_up_to=tick.read_up_to
            )
        row = events.conversation_data(
            membership, peer=peers.get(conversation.pk), last_message_status=status
        )
        row["unread_mention_count"] = mention_badges.get(conversation.pk, 0)
        rows.append(row)
    return rows


def message_rows(
    messages: Sequence[Message],
    *,
    viewer: User,
    ticks: selectors.Ticks | dict[int, selectors.Ticks],
) -> list:
    """Messages as `viewer` sees them; `ticks` of their one conversation, or per conversation."""
    load_extras(messages, viewer_id=viewer.pk)
    rows = []
    for message in messages:
        status = None
        if message.author_id == viewer.pk:
            tick = ticks[message.conversation_id] if isinstance(ticks, dict) else ticks
            status = events.message_status(
                message, delivered_up_to=tick.delivered_up_to, read_up_to=tick.read_up_to
            )
        rows.append(events.message_data(message, status=status))
    return rows


def member_pointer_rows(memberships: Sequence[Membership], *, viewer: User) -> list[dict]:
    return [
        {
            "user": user_data(membership.user),
            "role": membership.role,
            "joined_at": iso(membership.joined_at),
            "last_delivered_message_id": membership.last_delivered_message_id,
            "last_read_message_id": (
                membership.last_read_message_id
                if membership.user.send_read_receipts or membership.user_id == viewer.pk
                else None
            ),
        }
        for membership in memberships
    ]


def receipt_rows(receipts: Sequence[selectors.Receipt]) -> list[dict]:
    return [
        {
            "user": user_data(receipt.user),
            "delivered_at": iso(receipt.delivered_at),
            "read_at": iso(receipt.read_at),
        }
        for receipt in receipts
    ]
