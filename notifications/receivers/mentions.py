"""@mentions become `message.mention` notifications (chat.signals.message_mentioned).

Kept apart from the per-message fan-out (receivers/chat.py): it runs once per send or edit
with just the mentioned members. A mention is about the recipient, so it comes through a
muted conversation (Audience.personal); the type's own preferences still decide, and the
author never notifies themself.
"""

from typing import Any

from chat.models import Message
from notifications import content
from notifications.fanout import Audience, notify
from notifications.models import Notification
from notifications.receivers.common import T, group_of


def on_message_mentioned(sender: Any, *, message: Message, user_ids: list[int], **kwargs) -> None:
    conversation = message.conversation
    group = group_of(conversation)
    group_name = group.name if group else None
    notify(
        kind=T.MESSAGE_MENTION,
        audiences=[
            Audience(
                user_ids,
                title=content.mention_title(author=message.author.name, group_name=group_name),
                body=content.excerpt(message.body),
                data={"conversation_kind": conversation.kind, "group_name": group_name},
                personal=True,
            )
        ],
        actor=message.author,
        conversation_id=conversation.pk,
        group_id=group.pk if group else None,
        message_id=message.pk,
    )


def on_mentioning_message_edited(sender: Any, *, message: Message, **kwargs) -> None:
    # The mention notifications quote the words as they are now.
    Notification.objects.filter(message_id=message.pk, type=T.MESSAGE_MENTION).update(
        body=content.excerpt(message.body)
    )


def on_mentioning_message_deleted(sender: Any, *, message: Message, **kwargs) -> None:
    # The words are gone: so are the mentions quoting them (and their unsent deliveries).
    Notification.objects.filter(message_id=message.pk, type=T.MESSAGE_MENTION).delete()
