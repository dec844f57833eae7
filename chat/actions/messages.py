"""Sending, editing, deleting and restoring messages."""

import uuid

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

import realtime
from accounts.models import User
from chat import events, metrics, selectors, signals
from chat.actions.conversations import ensure_may_write
from chat.errors import (
    ClientIdReused,
    EditWindowClosed,
    InvalidMessage,
    MessageDeleted,
    MessageNotFound,
    NotAllowed,
    NotAMember,
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


def _earlier_send(*, author: User, client_id: uuid.UUID, conversation_id: int) -> Message:
    message = (
        Message.objects.select_related("author", "conversation")
        .filter(author=author, client_id=client_id)
        .first()
    )
    if message is None or message.conversation_id != conversation_id:
        raise ClientIdReused()
    return message


def _insert_once(
    *, conversation: Conversation, author: User, body: str, client_id: uuid.UUID
) -> Message | None:
    """Insert the message unless (author, client_id) exists: then None, and nothing written.

    One statement, where a pre-check plus a savepoint around the insert would take four.
    """
    message = Message(conversation=conversation, author=author, body=body, client_id=client_id)
    table = connection.ops.quote_name(Message._meta.db_table)
    # Only the quoted table name is interpolated; every value is a parameter.
    sql = (
        f"INSERT INTO {table} (conversation_id, author_id, body, client_id, created_at) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id"
    )
    field = Message._meta.get_field
    params = [
        conversation.pk,
        author.pk,
        body,
        field("client_id").get_db_prep_value(client_id, connection),
        field("created_at").get_db_prep_value(message.created_at, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    message.pk = row[0]
    message._state.adding = False
    return message


def send_message(
    *, author: User, conversation_id: int, body: str, client_id: uuid.UUID
) -> tuple[Message, bool]:
    """Post `body` to the conversation; returns (message, created).

    Idempotent on (author, client_id): a resend returns the first message and
    `created` False, also when both copies race (the unique constraint decides).
    Every other current member gets one more unread message and a `message.new`
    event; the author's own devices get the event too. Non-members get NotAMember.
    """
    body = clean_body(body)
    with transaction.atomic(), realtime.batched():
        # Sends and membership changes of one conversation queue here, so the
        # author is still a member and the recipients below are exactly the
        # members when the message is stored. FOR NO KEY UPDATE: it must not block the
        # foreign-key checks of a concurrent read ack, which holds its membership row
        # and would otherwise deadlock with this send's membership update.
        conversation = (
            Conversation.objects.select_for_update(of=("self",), no_key=True)
            .select_related("group")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:  # no such conversation, or its group was deleted meanwhile
            raise NotAMember()
        selectors.active_membership(user=author, conversation_id=conversation.pk)
        ensure_may_write(conversation=conversation, author=author)  # blocking (issue 15)
        message = _insert_once(
            conversation=conversation, author=author, body=body, client_id=client_id
        )
        if message is None:
            return _earlier_send(
                author=author, client_id=client_id, conversation_id=conversation.pk
            ), False

        conversation.last_message = message
        conversation.last_message_at = message.created_at
        conversation.save(update_fields=["last_message", "last_message_at"])
        Membership.objects.filter(conversation=conversation, left_at__isnull=True).exclude(
            user=author
        ).update(unread_count=F("unread_count") + 1)
        recipient_ids = _publish_new(message)
        signals.message_sent.send(sender=Conversation, message=message, recipient_ids=recipient_ids)
        kind = conversation.kind
        transaction.on_commit(lambda: metrics.MESSAGES_SENT.labels(kind).inc())
    return message, True


def _publish_new(message: Message) -> list[int]:
    """`message.new` to every member; returns the recipients (the members but the author).

    Direct conversations are titled by the other person, so each side gets its own title.
    """
    author = message.author
    conversation_id = message.conversation_id
    if message.conversation.kind == Conversation.Kind.GROUP:
        member_ids = selectors.active_member_ids(conversation_id=conversation_id)
        realtime.publish(
            event_types.MESSAGE_NEW, events.message_new(message, peer=None), user_ids=member_ids
        )
        return [member_id for member_id in member_ids if member_id != author.pk]
    others = [
        membership.user
        for membership in selectors.current_members(conversation_id=conversation_id)
        if membership.user_id != author.pk
    ]
    recipient_ids = [other.pk for other in others]
    realtime.publish(
        event_types.MESSAGE_NEW, events.message_new(message, peer=author), user_ids=recipient_ids
    )
    realtime.publish(
        event_types.MESSAGE_NEW,
        events.message_new(message, peer=others[0] if others else None),
        user_ids=[author.pk],
    )
    return recipient_ids


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
