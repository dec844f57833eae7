"""Reacting to messages with an emoji: add and remove, both idempotent.

Each change publishes `message.reactions` {conversation_id, message_id, reactions} to the
current members, with `reactions[].me` right for each of them
(chat.message_extras.publish_per_viewer).
"""

import emoji as emoji_library
from django.db import IntegrityError, transaction

import realtime
from accounts.models import User
from chat import events, selectors
from chat.errors import InvalidEmoji, MessageDeleted
from chat.message_extras import MessageExtras, load_extras, publish_per_viewer
from chat.models import Message, MessageReaction
from realtime import event_types

VARIATION_SELECTOR_16 = "\ufe0f"


def clean_emoji(value: object) -> str:
    """One emoji (one grapheme: skin tones, ZWJ sequences and flags included), else InvalidEmoji.

    The emoji-presentation selector is dropped where the emoji stays valid without it, so
    "❤" and "❤️" are one reaction.
    """
    if not isinstance(value, str) or not emoji_library.is_emoji(value):
        raise InvalidEmoji()
    bare = value.replace(VARIATION_SELECTOR_16, "")
    return bare if bare != value and emoji_library.is_emoji(bare) else value


def add_reaction(*, user: User, message_id: int, emoji: str) -> Message:
    """The user reacts with `emoji`; doing it again changes nothing and publishes nothing."""
    emoji = clean_emoji(emoji)
    with transaction.atomic(), realtime.batched():
        message = _reactable_message(user=user, message_id=message_id)
        try:
            with transaction.atomic():
                MessageReaction.objects.create(message=message, user=user, emoji=emoji)
        except IntegrityError:  # already there (or a concurrent twin won): idempotent
            return _with_extras(message, viewer=user)
        _publish(message)
    return _with_extras(message, viewer=user)


def remove_reaction(*, user: User, message_id: int, emoji: str) -> Message:
    """Take the user's `emoji` off the message; removing an absent one changes nothing."""
    emoji = clean_emoji(emoji)
    with transaction.atomic(), realtime.batched():
        message = _reactable_message(user=user, message_id=message_id)
        removed, _ = MessageReaction.objects.filter(
            message=message, user=user, emoji=emoji
        ).delete()
        if removed:
            _publish(message)
    return _with_extras(message, viewer=user)


def _reactable_message(*, user: User, message_id: int) -> Message:
    message, _ = selectors.visible_message(user=user, message_id=message_id)
    if message.deleted_at is not None:
        raise MessageDeleted()
    # Reactions to one message take turns, so each event counts every earlier one.
    Message.objects.select_for_update(no_key=True).filter(pk=message.pk).values("pk").first()
    return message


def _with_extras(message: Message, *, viewer: User) -> Message:
    load_extras([message], viewer_id=viewer.pk)
    return message


def _publish(message: Message) -> None:
    member_ids = selectors.active_member_ids(conversation_id=message.conversation_id)
    message.extras = MessageExtras()
    publish_per_viewer(
        event_types.MESSAGE_REACTIONS,
        message,
        member_ids=member_ids,
        build=events.message_reactions,
    )
