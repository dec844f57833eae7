"""Sending through the ORM, for databases without data-modifying CTEs (SQLite)."""

import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

import realtime
from accounts.models import User
from chat import metrics, selectors, signals
from chat.actions import send_extras
from chat.actions.conversations import ensure_may_write
from chat.actions.sending.publishing import StoredMessage, publish_new
from chat.actions.sending.resend import earlier_send
from chat.errors import NotAMember
from chat.models import Conversation, Membership, Message


def send_with_orm(
    *,
    author: User,
    conversation_id: int,
    body: str,
    client_id: uuid.UUID,
    reply_to: int | None,
    attachment_ids: tuple[int, ...] | list[int],
) -> tuple[Message, bool]:
    """The same steps as the three statements, through the ORM."""
    now = timezone.now()
    with transaction.atomic(), realtime.batched():
        conversation = _locked_conversation(conversation_id)
        selectors.active_membership(user=author, conversation_id=conversation.pk)
        extras = send_extras.validate_send_extras(
            author=author,
            conversation_id=conversation.pk,
            body=body,
            reply_to_id=reply_to,
            attachment_ids=attachment_ids,
        )
        ensure_may_write(conversation=conversation, author=author)  # blocking (issue 15)
        if Message.objects.filter(author_id=author.pk, client_id=client_id).exists():
            return earlier_send(
                author=author, client_id=client_id, conversation_id=conversation_id
            ), False
        author = User.objects.get(pk=author.pk)
        message = Message.objects.create(
            conversation=conversation,
            author=author,
            body=body,
            client_id=client_id,
            created_at=now,
            reply_to_id=extras.reply_to_id,
        )
        send_extras.store_send_extras(message=message, extras=extras)
        conversation.last_message = message
        conversation.last_message_at = now
        conversation.save(update_fields=["last_message", "last_message_at"])
        recipients = _add_unread_for_others(conversation, author=author)
        publish_new(_stored(message, conversation), recipients)
        signals.message_sent.send(
            sender=Conversation, message=message, recipient_ids=[user.pk for user in recipients]
        )
        kind = conversation.kind
        transaction.on_commit(lambda: metrics.MESSAGES_SENT.labels(kind).inc())
    return message, True


def _locked_conversation(conversation_id: int) -> Conversation:
    """The conversation with its row locked (as the store statement locks it)."""
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("group")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotAMember()
    return conversation


def _add_unread_for_others(conversation: Conversation, *, author: User) -> list[User]:
    """One more unread message for every other current member; returns them."""
    others = Membership.objects.filter(conversation=conversation, left_at__isnull=True).exclude(
        user_id=author.pk
    )
    others.update(unread_count=F("unread_count") + 1)
    return [membership.user for membership in others.select_related("user")]


def _stored(message: Message, conversation: Conversation) -> StoredMessage:
    group = getattr(conversation, "group", None)
    return StoredMessage(
        message=message,
        kind=conversation.kind,
        group_name=group.name if group else None,
        group_id=group.pk if group else None,
    )
