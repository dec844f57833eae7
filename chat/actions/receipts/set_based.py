"""Acks on PostgreSQL: one statement moves the pointers and writes the receipts, one
BulkWrite stores the events and what the receivers add. The statement's text is built once
per process (per kind of ack and set of audience columns)."""

import functools
import json

from django.db import connection, transaction
from django.utils import timezone

import realtime
from accounts.models import User
from chat import audience
from chat.actions.receipts.publishing import publish_delivered, publish_read
from chat.errors import InvalidAck, NotAMember
from chat.models import Conversation, Membership, Message, MessageReceipt
from config.bulk import BulkWrite


@functools.cache
def _ack_sql(*, read: bool, columns: tuple[tuple[str, str], ...]) -> str:
    membership, message = _quoted(Membership), _quoted(Message)
    receipt, user = _quoted(MessageReceipt), _quoted(User)
    # A read implies delivered: both pointers move to up_to, and every message in
    # (last read, up_to] gets its receipt read (rows that did not exist are written
    # delivered and read); a delivered ack only writes receipts after the delivered pointer.
    start = "m.r0" if read else "m.d0"
    unread = (
        f"SELECT count(*) FROM {message} x WHERE x.conversation_id = %(conversation_id)s "  # noqa: S608
        "AND x.id > %(up_to)s AND x.deleted_at IS NULL AND x.author_id <> %(user_id)s"
    )
    moves = (
        "last_delivered_message_id = GREATEST(m.d0, %(up_to)s), "
        "last_delivered_at = CASE WHEN m.d0 < %(up_to)s THEN %(now)s ELSE t.last_delivered_at END, "
        f"last_read_message_id = %(up_to)s, last_read_at = %(now)s, unread_count = ({unread})"
        if read
        else "last_delivered_message_id = %(up_to)s, last_delivered_at = %(now)s"
    )
    upsert = (
        "ON CONFLICT (message_id, user_id) DO UPDATE SET read_at = EXCLUDED.read_at "
        f"WHERE {receipt}.read_at IS NULL"
        if read
        else "ON CONFLICT (message_id, user_id) DO NOTHING"
    )
    # Only quoted table names and fixed fragments are interpolated; values are parameters.
    return (
        f"WITH m AS (SELECT id, last_delivered_message_id AS d0, last_read_message_id AS r0 "  # noqa: S608
        f"FROM {membership} WHERE conversation_id = %(conversation_id)s "
        "AND user_id = %(user_id)s AND left_at IS NULL FOR NO KEY UPDATE), "
        f"ok AS (SELECT EXISTS (SELECT 1 FROM {message} WHERE id = %(up_to)s "
        "AND conversation_id = %(conversation_id)s) AS ok), "
        f"moved AS (UPDATE {membership} t SET {moves} FROM m, ok WHERE t.id = m.id AND ok.ok "
        f"AND {start} < %(up_to)s RETURNING t.unread_count), "
        f"acked AS (SELECT x.id, x.author_id, x.id > m.d0 AS delivered_now FROM {message} x, m "
        f"WHERE EXISTS (SELECT 1 FROM moved) AND x.conversation_id = %(conversation_id)s "
        f"AND x.id > {start} AND x.id <= %(up_to)s AND x.deleted_at IS NULL "
        "AND x.author_id <> %(user_id)s), "
        f"receipts AS (INSERT INTO {receipt} (message_id, user_id, delivered_at, read_at) "
        f"SELECT id, %(user_id)s, %(now)s, {'%(now)s' if read else 'NULL'} FROM acked {upsert}) "
        "SELECT m.id IS NOT NULL, ok.ok, m.d0, m.r0, (SELECT unread_count FROM moved), "
        f"(SELECT array_agg(user_id ORDER BY user_id) FROM {membership} "
        "WHERE conversation_id = %(conversation_id)s AND left_at IS NULL), "
        "(SELECT json_agg(json_build_array(id, author_id, delivered_now) ORDER BY id) "
        "FROM acked), "
        f"(SELECT send_read_receipts FROM {user} WHERE id = %(user_id)s)"
        + "".join(f", {expression} AS {name}" for name, expression in columns)
        + " FROM ok LEFT JOIN m ON true"
    )


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def ack_with_sql(*, user: User, conversation_id: int, up_to: int, read: bool) -> Membership:
    now = timezone.now()
    params = {"conversation_id": conversation_id, "user_id": user.pk, "up_to": up_to, "now": now}
    writes = BulkWrite()
    columns = audience.ack_columns()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_ack_sql(read=read, columns=tuple(columns.items())), params)
            row = cursor.fetchone()
        is_member, valid, d0, r0, unread, member_ids, acked_json, sends_receipts = row[:8]
        extra = dict(zip(columns, row[8:], strict=True))
        if not is_member:
            raise NotAMember()
        if not valid:
            raise InvalidAck()
        membership = Membership(
            conversation_id=conversation_id,
            user_id=user.pk,
            last_delivered_message_id=max(d0, up_to) if read or d0 < up_to else d0,
            last_read_message_id=max(r0, up_to) if read else r0,
        )
        membership.unread_count = unread if unread is not None else None
        moved = unread is not None or (not read and d0 < up_to)
        if not moved:
            if unread is None:
                membership.unread_count = _current_unread(conversation_id, user.pk)
            return membership
        acked = json.loads(acked_json) if isinstance(acked_json, str) else (acked_json or [])
        user.send_read_receipts = sends_receipts
        conversation = Conversation(id=conversation_id)
        with realtime.batched(writes):
            if d0 < up_to:
                publish_delivered(
                    conversation,
                    user=user,
                    up_to=up_to,
                    now=now,
                    member_ids=member_ids or [],
                    acked=[(i, a) for i, a, new in acked if new],
                    writes=writes,
                    audience=extra,
                )
            if read:
                publish_read(
                    conversation,
                    membership,
                    user=user,
                    up_to=up_to,
                    now=now,
                    member_ids=member_ids or [],
                    acked=[(i, a) for i, a, _ in acked],
                    writes=writes,
                    audience=extra,
                )
        writes.execute()
        if membership.unread_count is None:
            membership.unread_count = _current_unread(conversation_id, user.pk)
    return membership


def _current_unread(conversation_id: int, user_id: int) -> int:
    return (
        Membership.objects.filter(conversation_id=conversation_id, user_id=user_id)
        .values_list("unread_count", flat=True)
        .first()
        or 0
    )
