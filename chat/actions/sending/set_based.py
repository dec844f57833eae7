"""Sending on PostgreSQL: the three statements of chat.actions.sending.

The statements' text is built once per process (per set of audience columns): only table
names and the registered columns go into it, never a value.
"""

import functools
import uuid
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

import realtime
from accounts.models import User
from chat import audience, metrics, signals
from chat.actions import send_extras
from chat.actions.conversations import refuse_if_blocked
from chat.actions.send_extras import SendExtras
from chat.actions.sending.publishing import StoredMessage, group_model, publish_new
from chat.actions.sending.resend import earlier_send
from chat.errors import NotAMember
from chat.models import Conversation, Membership, Message
from config.bulk import BulkWrite


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def _store_sql() -> str:
    message, conversation = _quoted(Message), _quoted(Conversation)
    membership, user = _quoted(Membership), _quoted(User)
    group = _quoted(group_model())
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


@functools.cache
def _audience_sql(columns: tuple[tuple[str, str], ...]) -> str:
    membership, user = _quoted(Membership), _quoted(User)
    extra = "".join(f", {expression} AS {name}" for name, expression in columns)
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


def send_with_sql(
    *,
    author: User,
    conversation_id: int,
    body: str,
    client_id: uuid.UUID,
    reply_to: int | None,
    attachment_ids: tuple[int, ...] | list[int],
) -> tuple[Message, bool]:
    """`send_message` in three statements (the steps in chat.actions.sending)."""
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
            return earlier_send(
                author=author, client_id=client_id, conversation_id=conversation_id
            ), False
        columns = audience.recipient_columns()
        rows = _add_unread_and_read_audience(columns, params)
        message = stored.message
        message.reply_to_id = extras.reply_to_id
        _stage_fan_out(stored, extras=extras, columns=columns, rows=rows, writes=writes)
        writes.execute()
        kind = stored.kind
        transaction.on_commit(lambda: metrics.MESSAGES_SENT.labels(kind).inc())
    return message, True


def _add_unread_and_read_audience(columns: dict[str, str], params: dict[str, Any]) -> list[tuple]:
    """Statement 2: one more unread message for every other member, and one row per
    recipient (a row of NULLs when there is none), each saying whether the author is in."""
    with connection.cursor() as cursor:
        cursor.execute(_audience_sql(tuple(columns.items())), params)
        rows = cursor.fetchall()
    if not rows[0][0]:  # the author left or was removed while we waited for the lock
        raise NotAMember()
    return rows


def _stage_fan_out(
    stored: StoredMessage,
    *,
    extras: SendExtras,
    columns: dict[str, str],
    rows: list[tuple],
    writes: BulkWrite,
) -> None:
    """Statement 3's rows, staged in `writes`: the extras, the events and what the
    `message_sent` receivers add."""
    recipients = [_recipient(row) for row in rows if row[1] is not None]
    message = stored.message
    with realtime.batched(writes):
        send_extras.store_send_extras(message=message, extras=extras)
        publish_new(stored, recipients)
        names = list(columns)
        signals.message_sent.send(
            sender=Conversation,
            message=message,
            recipient_ids=[user.pk for user in recipients],
            audience={
                row[1]: dict(zip(names, row[5:], strict=True)) for row in rows if row[1] is not None
            },
            writes=writes,
        )


def _store(params: dict[str, Any]) -> StoredMessage | None:
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
    return StoredMessage(message=message, kind=kind, group_name=group_name, group_id=group_id)


def _recipient(row: tuple) -> User:
    return User(id=row[1], username=row[2], display_name=row[3], avatar_colour=row[4])
