"""The message both send paths store, and the `message.new` events it makes."""

from dataclasses import dataclass

import realtime
from accounts.models import User
from chat import events
from chat.models import Conversation, Message
from realtime import event_types


def group_model():
    """groups' model, reached through the relation it declares on Conversation (groups
    builds on chat, so chat does not import it)."""
    return Conversation._meta.get_field("group").related_model


@dataclass
class StoredMessage:
    message: Message
    kind: str
    group_name: str | None
    group_id: int | None


def publish_new(stored: StoredMessage, recipients: list[User]) -> None:
    """`message.new` to every member. Direct conversations are titled by the other person,
    so there each side gets its own title; a group's events all carry its name."""
    message = stored.message
    if stored.kind == Conversation.Kind.GROUP:
        message.conversation.group = group_model()(id=stored.group_id, name=stored.group_name)
        realtime.publish(
            event_types.MESSAGE_NEW,
            events.message_new(message, peer=None),
            user_ids=sorted([message.author_id, *(user.pk for user in recipients)]),
        )
        return
    realtime.publish(
        event_types.MESSAGE_NEW,
        events.message_new(message, peer=message.author),
        user_ids=[user.pk for user in recipients],
    )
    realtime.publish(
        event_types.MESSAGE_NEW,
        events.message_new(message, peer=recipients[0] if recipients else None),
        user_ids=[message.author_id],
    )
