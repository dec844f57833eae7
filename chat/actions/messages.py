"""Editing, deleting and restoring messages (sending is chat.actions.sending)."""

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

import realtime
from accounts.models import User
from chat import events, selectors, signals
from chat.errors import (
    EditWindowClosed,
    InvalidMessage,
    MessageDeleted,
    MessageNotFound,
    NotAllowed,
    NotTheAuthor,
)
from chat.models import Conversation, Membership, Message
from realtime import event_types

MODERATING_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def clean_body(body: object) -> str:
    """The body as stored: a string, stripped, 1..MESSAGE_MAX_LENGTH characters."""
    if not isinstance(body, str):
        raise InvalidMessage("The message body must be a string.")
    body = body.strip()
    if not body:
        raise InvalidMessage("The message body may not be blank.")
    if len(body) > settings.MESSAGE_MAX_LENGTH:
        raise InvalidMessage(
            f"The message body may not exceed {settings.MESSAGE_MAX_LENGTH} characters."
        )
    return body


def _locked_message(*, user: User, message_id: int) -> tuple[Message, Membership]:
    """The message row locked for a change, if the user may see it (else 404)."""
    message, membership = selectors.visible_message(user=user, message_id=message_id)
    # Same lock order as sends: the conversation first, then the message.
    Conversation.objects.select_for_update(no_key=True).filter(pk=message.conversation_id).first()
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("author", "conversation", "conversation__group")
        .filter(pk=message.pk)
        .first()
    )
    if locked is None:  # its group was deleted while we waited
        raise MessageNotFound()
    return locked, membership


def edit_message(*, user: User, message_id: int, body: str) -> Message:
    """Replace the body of one's own message within settings.MESSAGE_EDIT_WINDOW."""
    body = clean_body(body)
    with transaction.atomic(), realtime.batched():
        message, _ = _locked_message(user=user, message_id=message_id)
        if message.author_id != user.pk:
            raise NotTheAuthor()
        if message.deleted_at is not None:
            raise MessageDeleted()
        if timezone.now() - message.created_at > settings.MESSAGE_EDIT_WINDOW:
            raise EditWindowClosed()
        if body == message.body:
            return message
        message.body = body
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        member_ids = selectors.active_member_ids(conversation_id=message.conversation_id)
        realtime.publish(
            event_types.MESSAGE_UPDATED, events.message_updated(message), user_ids=member_ids
        )
        signals.message_edited.send(sender=Conversation, message=message, member_ids=member_ids)
    return message


def delete_message(*, user: User, message_id: int) -> Message:
    """Soft-delete a message: its author may, and in a group so may an admin or the owner.

    Deleting a deleted message changes nothing (a retried request is harmless).
    """
    with transaction.atomic(), realtime.batched():
        message, membership = _locked_message(user=user, message_id=message_id)
        may_moderate = (
            message.conversation.kind == Conversation.Kind.GROUP
            and membership.role in MODERATING_ROLES
        )
        if message.author_id != user.pk and not may_moderate:
            raise NotAllowed("Only the author or a group admin can delete this message.")
        if message.deleted_at is None:
            _soft_delete(message, deleted_by=user)
    return message


def moderate_delete_message(*, moderator: User, message_id: int) -> Message:
    """A site moderator's soft delete (from the admin): no membership needed."""
    with transaction.atomic(), realtime.batched():
        message = _lock_for_moderation(message_id)
        if message.deleted_at is None:
            _soft_delete(message, deleted_by=moderator)
    return message


def restore_message(*, moderator: User, message_id: int) -> Message:
    """Undo a soft delete (moderators only): the message counts as unread again where it was."""
    with transaction.atomic(), realtime.batched():
        message = _lock_for_moderation(message_id)
        if message.deleted_at is None:
            return message
        message.deleted_at = None
        message.deleted_by = None
        message.save(update_fields=["deleted_at", "deleted_by"])
        _unread_members(message).update(unread_count=F("unread_count") + 1)
        member_ids = selectors.active_member_ids(conversation_id=message.conversation_id)
        realtime.publish(
            event_types.MESSAGE_UPDATED, events.message_updated(message), user_ids=member_ids
        )
    return message


def _lock_for_moderation(message_id: int) -> Message:
    conversation_id = (
        Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).first()
    )
    if conversation_id is None:
        raise MessageNotFound()
    Conversation.objects.select_for_update(no_key=True).filter(pk=conversation_id).first()
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("author", "conversation")
        .get(pk=message_id)
    )


def _unread_members(message: Message) -> QuerySet[Membership]:
    """Current members other than the author who have not read up to `message`."""
    return Membership.objects.filter(
        conversation_id=message.conversation_id,
        left_at__isnull=True,
        last_read_message_id__lt=message.pk,
    ).exclude(user_id=message.author_id)


def _soft_delete(message: Message, *, deleted_by: User) -> None:
    message.deleted_at = timezone.now()
    message.deleted_by = deleted_by
    message.save(update_fields=["deleted_at", "deleted_by"])
    # A deleted message no longer waits to be read.
    _unread_members(message).filter(unread_count__gt=0).update(unread_count=F("unread_count") - 1)
    member_ids = selectors.active_member_ids(conversation_id=message.conversation_id)
    realtime.publish(
        event_types.MESSAGE_DELETED,
        events.message_deleted(message, deleted_by=deleted_by),
        user_ids=member_ids,
    )
    signals.message_deleted.send(
        sender=Conversation, message=message, deleted_by=deleted_by, member_ids=member_ids
    )
