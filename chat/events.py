"""Chat's payloads: one shape for the REST API, the real-time events and notifications.

The API's response bodies (chat/api/bodies.py) are built by these builders, so a
`message.new` event carries exactly what `GET .../messages` returns for that message.
The user reference and datetimes are config.api's, shared with groups and notifications.
"""

from datetime import datetime
from typing import Any

from accounts.models import User
from chat.message_extras import NO_EXTRAS
from chat.models import Conversation, Membership, Message
from config.api import iso, user_data


class Status:
    """The ticks of one's own message: sent, delivered to / read by every other member."""

    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"


def message_status(message: Message, *, delivered_up_to: int | None, read_up_to: int | None) -> str:
    """`*_up_to` are the lowest pointers over the other members (None: nobody else)."""
    if read_up_to is not None and message.pk <= read_up_to:
        return Status.READ
    if delivered_up_to is not None and message.pk <= delivered_up_to:
        return Status.DELIVERED
    return Status.SENT


def message_data(message: Message, *, status: str | None = None) -> dict[str, Any]:
    """A message as clients see it; a deleted one keeps its place but loses its body.

    Replies, mentions, reactions and attachments come from `message.extras`
    (chat.message_extras.load_extras, or set by the send path); without it they are empty.
    """
    deleted = message.deleted_at is not None
    extras = getattr(message, "extras", NO_EXTRAS)
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "author": user_data(message.author),
        "body": "" if deleted else message.body,
        "client_id": str(message.client_id),
        "created_at": iso(message.created_at),
        "edited_at": iso(message.edited_at),
        "deleted_at": iso(message.deleted_at),
        "is_deleted": deleted,
        "status": status,
        **extras.data(deleted=deleted),
    }


def conversation_title(conversation: Conversation, *, peer: User | None) -> str:
    """A group's name, or for a direct conversation the name of the other person."""
    group = getattr(conversation, "group", None)
    if group is not None:
        return group.name
    return peer.name if peer is not None else ""


def conversation_ref(conversation: Conversation, *, peer: User | None) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "title": conversation_title(conversation, peer=peer),
    }


def group_summary(conversation: Conversation) -> dict[str, Any] | None:
    group = getattr(conversation, "group", None)
    if group is None:
        return None
    return {"id": group.pk, "name": group.name, "avatar": group.avatar}


def conversation_data(
    membership: Membership,
    *,
    peer: User | None,
    last_message_status: str | None,
) -> dict[str, Any]:
    """One row of the conversation list, seen by `membership.user`."""
    conversation = membership.conversation
    last_message = conversation.last_message
    return {
        **conversation_ref(conversation, peer=peer),
        "peer": user_data(peer) if peer is not None else None,
        "group": group_summary(conversation),
        "created_at": iso(conversation.created_at),
        "last_message_at": iso(conversation.last_message_at),
        "last_message": (
            message_data(last_message, status=last_message_status)
            if last_message is not None
            else None
        ),
        "unread_count": membership.unread_count,
        "last_delivered_message_id": membership.last_delivered_message_id,
        "last_read_message_id": membership.last_read_message_id,
        "role": membership.role,
    }


def message_new(message: Message, *, peer: User | None) -> dict[str, Any]:
    """`message.new`: the message, and enough of its conversation to list it."""
    return {
        "conversation": conversation_ref(message.conversation, peer=peer),
        "message": message_data(message, status=Status.SENT),
    }


def message_updated(message: Message) -> dict[str, Any]:
    return {"conversation_id": message.conversation_id, "message": message_data(message)}


def message_reactions(message: Message) -> dict[str, Any]:
    """`message.reactions`: the message's emoji counts after a change (`me` per recipient)."""
    return {
        "conversation_id": message.conversation_id,
        "message_id": message.pk,
        "reactions": [reaction.data() for reaction in message.extras.reactions],
    }


def message_deleted(message: Message, *, deleted_by: User) -> dict[str, Any]:
    return {
        "conversation_id": message.conversation_id,
        "message_id": message.pk,
        "deleted_at": iso(message.deleted_at),
        "deleted_by": user_data(deleted_by),
        "message": message_data(message),
    }


def pointer_moved(
    *, conversation_id: int, user_id: int, up_to: int, at: datetime, **extra: Any
) -> dict[str, Any]:
    """`message.delivered` / `message.read`: one member's pointer, cumulative up to `up_to`."""
    return {
        "conversation_id": conversation_id,
        "user_id": user_id,
        "up_to": up_to,
        "at": iso(at),
        **extra,
    }
