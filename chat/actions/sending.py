"""Sending a message: the hot path, three statements on PostgreSQL whatever the group size.

1. `STORE_SQL`: insert the message (once per author and client_id) and make it the
   conversation's last message. The UPDATE takes the conversation's row lock, which
   membership changes take too, so from here on the members cannot change under us.
2. `AUDIENCE_SQL`, a new statement and so a snapshot taken after that lock: add one unread
   message to every other current member, returning them with what the fan-out needs
   (the columns of chat.audience), and check that the author is still a member.
3. One `BulkWrite`: the events of every recipient (counters and rows), and whatever the
   `message_sent` receivers add (notifications, deliveries, delivery jobs).

On SQLite (the embedded default, no data-modifying CTEs) the same steps run as ORM calls.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

import realtime
from accounts.models import User
from chat import audience, events, metrics, selectors, signals
from chat.actions import send_extras
from chat.actions.conversations import ensure_may_write, refuse_if_blocked
from chat.actions.messages import clean_body
from chat.errors import ClientIdReused, NotAMember
from chat.models import Conversation, Membership, Message
from config.bulk import BulkWrite
from realtime import event_types


def _group_model():
    """groups' model, reached through the relation it declares on Conversation (groups
    builds on chat, so chat does not import it)."""
    return Conversation._meta.get_field("group").related_model


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _store_sql() -> str:
    message, conversation = _quoted(Message), _quoted(Conversation)
    membership, user = _quoted(Membership), _quoted(User)
    group = _quoted(_group_model())
    # Only quoted table names are interpolated; every value is a named parameter.
    return (
        f"WITH ins AS (INSERT INTO {message} "  # noqa: S608
        "(conversation_id, author_id, body, client_id, created_at, reply_to_id) "
        "SELECT %(conversation_id)s, %(author_id)s, %(body)s, %(client_id)s, %(now)s, "
        "%(reply_to_id)s "
        f"WHERE EXISTS (SELECT 1 FROM {membership} WHERE conversation_id = %(conversation_id)s "
        "AND user_id = %(author_id)s AND left_at IS NULL) "
        f"AND NOT EXISTS (SELECT 1 FROM {conversation} WHERE id = %(conversation_id)s "
        "AND is_blocked) "  # blocking (issue 15): a blocked direct conversation takes nothing
        "ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id), "
        f"touched AS (UPDATE {conversation} c SET "
        "last_message_id = GREATEST(ins.id, COALESCE(c.last_message_id, 0)), "
        "last_message_at = GREATEST(%(now)s, COALESCE(c.last_message_at, %(now)s)) "
        "FROM ins WHERE c.id = %(conversation_id)s RETURNING c.kind) "
        "SELECT ins.id, touched.kind, g.id, g.name, a.username, a.display_name, a.avatar_colour "
        "FROM ins JOIN touched ON true "
        f"JOIN {user} a ON a.id = %(author_id)s "
        f"LEFT JOIN {group} g ON g.conversation_id = %(conversation_id)s"
    )


def _audience_sql(columns: dict[str, str]) -> str:
    membership, user = _quoted(Membership), _quoted(User)
    extra = "".join(f", {expression} AS {name}" for name, expression in columns.items())
    return (
        f"WITH r AS (UPDATE {membership} SET unread_count = unread_count + 1 "  # noqa: S608
        "WHERE conversation_id = %(conversation_id)s AND left_at IS NULL "
        "AND user_id <> %(author_id)s RETURNING user_id) "
        "SELECT a.id IS NOT NULL, u.id, u.username, u.display_name, u.avatar_colour"
        f"{extra} FROM (SELECT 1) one "
        f"LEFT JOIN {membership} a ON a.conversation_id = %(conversation_id)s "
        "AND a.user_id = %(author_id)s AND a.left_at IS NULL "
        f"LEFT JOIN (r JOIN {user} u ON u.id = r.user_id) ON true ORDER BY u.id"
    )


@dataclass
class _Stored:
    message: Message
    kind: str
    group_name: str | None
    group_id: int | None


def send_message(
    *,
    author: User,
    conversation_id: int,
    body: str,
    client_id: uuid.UUID,
    reply_to: int | None = None,
    attachment_ids: tuple[int, ...] | list[int] = (),
) -> tuple[Message, bool]:
    """Post `body` to the conversation; returns (message, created).

    Idempotent on (author, client_id): a resend returns the first message and
    `created` False, also when both copies race (the unique constraint decides).
    Every other current member gets one more unread message and a `message.new`
    event; the author's own devices get the event too. Non-members get NotAMember.
    `author` may be a User built from a token's claims (only its pk is read).
    `reply_to`, @mentions and `attachment_ids`: chat/actions/send_extras.py (nothing extra
    is read or written for a plain text message).
    """
    body = clean_body(body, allow_blank=bool(attachment_ids))
    if connection.vendor != "postgresql":
        return _send_with_orm(
            author=author,
            conversation_id=conversation_id,
            body=body,
            client_id=client_id,
            reply_to=reply_to,
            attachment_ids=attachment_ids,
        )
    now = timezone.now()
    params = {
        "conversation_id": conversation_id,
        "author_id": author.pk,
        "body": body,
        "client_id": client_id,
        "now": now,
    }
    writes = BulkWrite()
    with transaction.atomic():
        extras = send_extras.validate_send_extras(
            author=author,
            conversation_id=conversation_id,
            body=body,
            reply_to_id=reply_to,
            attachment_ids=attachment_ids,
        )
        params["reply_to_id"] = extras.reply_to_id
        stored = _store(params)
        if stored is None:
            refuse_if_blocked(conversation_id=conversation_id, author=author)  # issue 15
            return _earlier_send(
                author=author, client_id=client_id, conversation_id=conversation_id
            ), False
        columns = audience.recipient_columns()
        with connection.cursor() as cursor:
            cursor.execute(_audience_sql(columns), params)
            rows = cursor.fetchall()
        if not rows[0][0]:  # the author left or was removed while we waited for the lock
            raise NotAMember()
        recipients = [_recipient(row) for row in rows if row[1] is not None]
        message = stored.message
        message.reply_to_id = extras.reply_to_id
        with realtime.batched(writes):
            send_extras.store_send_extras(message=message, extras=extras)
            _publish_new(stored, recipients)
            names = list(columns)
            signals.message_sent.send(
                sender=Conversation,
                message=message,
                recipient_ids=[user.pk for user in recipients],
                audience={
                    row[1]: dict(zip(names, row[5:], strict=True))
                    for row in rows
                    if row[1] is not None
                },
                writes=writes,
            )
        writes.execute()
        kind = stored.kind
        transaction.on_commit(lambda: metrics.MESSAGES_SENT.labels(kind).inc())
    return message, True


def _store(params: dict[str, Any]) -> _Stored | None:
    with connection.cursor() as cursor:
        cursor.execute(_store_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    message_id, kind, group_id, group_name, username, display_name, colour = row
    author = User(
        id=params["author_id"], username=username, display_name=display_name, avatar_colour=colour
    )
    conversation = Conversation(id=params["conversation_id"], kind=kind)
    if group_id is None:  # known to have no group: titles must not look it up
        Conversation._meta.get_field("group").set_cached_value(conversation, None)
    message = Message(
        id=message_id,
        conversation=conversation,
        author=author,
        body=params["body"],
        client_id=params["client_id"],
        created_at=params["now"],
    )
    message._state.adding = False
    return _Stored(message=message, kind=kind, group_name=group_name, group_id=group_id)


def _recipient(row: tuple) -> User:
    return User(id=row[1], username=row[2], display_name=row[3], avatar_colour=row[4])


def _publish_new(stored: _Stored, recipients: list[User]) -> None:
    """`message.new` to every member. Direct conversations are titled by the other person,
    so there each side gets its own title; a group's events all carry its name."""
    message = stored.message
    if stored.kind == Conversation.Kind.GROUP:
        message.conversation.group = _group_model()(id=stored.group_id, name=stored.group_name)
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


def _earlier_send(*, author: User, client_id: uuid.UUID, conversation_id: int) -> Message:
    """The message this client_id was first sent as; NotAMember for outsiders."""
    selectors.active_membership(user=author, conversation_id=conversation_id)
    message = (
        Message.objects.select_related("author", "conversation")
        .filter(author_id=author.pk, client_id=client_id)
        .first()
    )
    if message is None or message.conversation_id != conversation_id:
        raise ClientIdReused()
    return message


def _send_with_orm(
    *,
    author: User,
    conversation_id: int,
    body: str,
    client_id: uuid.UUID,
    reply_to: int | None,
    attachment_ids: tuple[int, ...] | list[int],
) -> tuple[Message, bool]:
    """The same steps through the ORM, for databases without data-modifying CTEs."""
    now = timezone.now()
    with transaction.atomic(), realtime.batched():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("group")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None:
            raise NotAMember()
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
            return _earlier_send(
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
        others = Membership.objects.filter(conversation=conversation, left_at__isnull=True).exclude(
            user_id=author.pk
        )
        others.update(unread_count=F("unread_count") + 1)
        recipients = [membership.user for membership in others.select_related("user")]
        group = getattr(conversation, "group", None)
        stored = _Stored(
            message=message,
            kind=conversation.kind,
            group_name=group.name if group else None,
            group_id=group.pk if group else None,
        )
        _publish_new(stored, recipients)
        signals.message_sent.send(
            sender=Conversation, message=message, recipient_ids=[user.pk for user in recipients]
        )
        kind = conversation.kind
        transaction.on_commit(lambda: metrics.MESSAGES_SENT.labels(kind).inc())
    return message, True
