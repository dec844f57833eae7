"""Delivered and read acknowledgements: cumulative pointers, receipts written in bulk.

On PostgreSQL an ack is two statements whatever the range and the group size: `ACK_SQL`
moves the caller's pointers under their membership's row lock, writes the receipts of the
newly acknowledged messages and returns what the events need (the members, the acked
messages and their authors); then one BulkWrite stores the events and whatever the
`messages_delivered` / `messages_read` receivers add. SQLite runs the ORM steps below.
"""

import json
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

import realtime
from accounts.models import User
from chat import audience, events, selectors, signals
from chat.errors import InvalidAck, NotAMember
from chat.models import Conversation, Membership, Message, MessageReceipt
from config.bulk import BulkWrite
from realtime import event_types


def _check_up_to(*, conversation_id: int, up_to: int) -> None:
    if not Message.objects.filter(pk=up_to, conversation_id=conversation_id).exists():
        raise InvalidAck()


def _newly_acked(membership: Membership, *, after: int, up_to: int) -> list[tuple[int, int]]:
    """(id, author_id) of the others' live messages in (after, up_to], oldest first."""
    return list(
        Message.objects.filter(
            conversation_id=membership.conversation_id,
            id__gt=after,
            id__lte=up_to,
            deleted_at__isnull=True,
        )
        .exclude(author_id=membership.user_id)
        .order_by("id")
        .values_list("id", "author_id")
    )


def _author_ids(acked: list[tuple[int, int]]) -> list[int]:
    return sorted({author_id for _, author_id in acked})


def _mark_delivered_with_orm(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user's devices hold every message up to `up_to` (a message id of the conversation).

    Idempotent and monotonic: an `up_to` at or below the current pointer changes
    nothing. Returns the membership with its pointers.
    """
    with transaction.atomic(), realtime.batched():
        # The membership row lock orders concurrent acks from several devices.
        membership = selectors.active_membership(
            user=user, conversation_id=conversation_id, for_update=True
        )
        _check_up_to(conversation_id=conversation_id, up_to=up_to)
        _deliver(membership, user=user, up_to=up_to, now=timezone.now())
    return membership


def _deliver(membership: Membership, *, user: User, up_to: int, now: datetime) -> None:
    after = membership.last_delivered_message_id
    if up_to <= after:
        return
    acked = _newly_acked(membership, after=after, up_to=up_to)
    MessageReceipt.objects.bulk_create(
        [
            MessageReceipt(message_id=message_id, user=user, delivered_at=now)
            for message_id, _ in acked
        ],
        ignore_conflicts=True,
    )
    membership.last_delivered_message_id = up_to
    membership.last_delivered_at = now
    membership.save(update_fields=["last_delivered_message_id", "last_delivered_at"])
    realtime.publish(
        event_types.MESSAGE_DELIVERED,
        events.pointer_moved(
            conversation_id=membership.conversation_id, user_id=user.pk, up_to=up_to, at=now
        ),
        user_ids=selectors.active_member_ids(conversation_id=membership.conversation_id),
    )
    if acked:
        signals.messages_delivered.send(
            sender=Conversation,
            conversation=membership.conversation,
            reader=user,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
        )


def _mark_read_with_orm(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user has read every message up to `up_to`; a read implies delivered.

    Idempotent and monotonic like `mark_delivered_up_to`; recomputes the unread
    count from the messages after the new pointer. When the reader keeps read
    receipts off, only their own devices hear of it: the other members get the
    implied `message.delivered`, never `message.read` (the `messages_read` signal
    is sent either way; its receivers honour the setting).
    """
    user = User.objects.get(pk=user.pk)  # the caller may be built from a token's claims
    with transaction.atomic(), realtime.batched():
        membership = selectors.active_membership(
            user=user, conversation_id=conversation_id, for_update=True
        )
        _check_up_to(conversation_id=conversation_id, up_to=up_to)
        now = timezone.now()
        _deliver(membership, user=user, up_to=up_to, now=now)
        after = membership.last_read_message_id
        if up_to <= after:
            return membership
        acked = _newly_acked(membership, after=after, up_to=up_to)
        # One statement for the range: rows delivered earlier get their read time,
        # missing rows are written delivered-and-read.
        MessageReceipt.objects.bulk_create(
            [
                MessageReceipt(message_id=message_id, user=user, delivered_at=now, read_at=now)
                for message_id, _ in acked
            ],
            update_conflicts=True,
            unique_fields=["message", "user"],
            update_fields=["read_at"],
        )
        membership.last_read_message_id = up_to
        membership.last_read_at = now
        membership.unread_count = (
            Message.objects.filter(
                conversation_id=conversation_id, id__gt=up_to, deleted_at__isnull=True
            )
            .exclude(author=user)
            .count()
        )
        membership.save(update_fields=["last_read_message_id", "last_read_at", "unread_count"])
        _publish_read(membership, user=user, up_to=up_to, now=now, acked=acked)
    return membership


def _publish_read(
    membership: Membership,
    *,
    user: User,
    up_to: int,
    now: datetime,
    acked: list[tuple[int, int]],
) -> None:
    conversation_id = membership.conversation_id
    # The reader's other devices learn the new unread count; nobody else sees it.
    realtime.publish(
        event_types.MESSAGE_READ,
        events.pointer_moved(
            conversation_id=conversation_id,
            user_id=user.pk,
            up_to=up_to,
            at=now,
            unread_count=membership.unread_count,
        ),
        user_ids=[user.pk],
    )
    if user.send_read_receipts:
        others = [
            member_id
            for member_id in selectors.active_member_ids(conversation_id=conversation_id)
            if member_id != user.pk
        ]
        realtime.publish(
            event_types.MESSAGE_READ,
            events.pointer_moved(
                conversation_id=conversation_id, user_id=user.pk, up_to=up_to, at=now
            ),
            user_ids=others,
        )
    if acked:
        # Sent whatever the reader's setting: receivers clear the reader's own
        # notifications, and must themselves tell authors only when
        # `reader.send_read_receipts` is on.
        signals.messages_read.send(
            sender=Conversation,
            conversation=membership.conversation,
            reader=user,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
        )


def _ack_sql(*, read: bool, columns: dict[str, str]) -> str:
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
        + "".join(f", {expression} AS {name}" for name, expression in columns.items())
        + " FROM ok LEFT JOIN m ON true"
    )


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def mark_delivered_up_to(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user's devices hold every message up to `up_to` (a message id of the conversation).

    Idempotent and monotonic: an `up_to` at or below the current pointer changes
    nothing. Returns the membership with its pointers. `user` may be built from a
    token's claims (only its pk is read).
    """
    if connection.vendor != "postgresql":
        return _mark_delivered_with_orm(user=user, conversation_id=conversation_id, up_to=up_to)
    return _ack(user=user, conversation_id=conversation_id, up_to=up_to, read=False)


def mark_read_up_to(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user has read every message up to `up_to`; a read implies delivered.

    Idempotent and monotonic like `mark_delivered_up_to`; recomputes the unread
    count from the messages after the new pointer. When the reader keeps read
    receipts off, only their own devices hear of it: the other members get the
    implied `message.delivered`, never `message.read` (the `messages_read` signal
    is sent either way; its receivers honour the setting).
    """
    if connection.vendor != "postgresql":
        return _mark_read_with_orm(user=user, conversation_id=conversation_id, up_to=up_to)
    return _ack(user=user, conversation_id=conversation_id, up_to=up_to, read=True)


def _ack(*, user: User, conversation_id: int, up_to: int, read: bool) -> Membership:
    now = timezone.now()
    params = {"conversation_id": conversation_id, "user_id": user.pk, "up_to": up_to, "now": now}
    writes = BulkWrite()
    columns = audience.ack_columns()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_ack_sql(read=read, columns=columns), params)
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
                _publish_delivered(
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
                _publish_read_set_based(
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


def _publish_delivered(
    conversation, *, user, up_to, now, member_ids, acked, writes, audience
) -> None:
    realtime.publish(
        event_types.MESSAGE_DELIVERED,
        events.pointer_moved(conversation_id=conversation.pk, user_id=user.pk, up_to=up_to, at=now),
        user_ids=member_ids,
    )
    if acked:
        signals.messages_delivered.send(
            sender=Conversation,
            conversation=conversation,
            reader=user,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
            writes=writes,
            audience=audience,
        )


def _publish_read_set_based(
    conversation, membership, *, user, up_to, now, member_ids, acked, writes, audience
) -> None:
    realtime.publish(
        event_types.MESSAGE_READ,
        events.pointer_moved(
            conversation_id=conversation.pk,
            user_id=user.pk,
            up_to=up_to,
            at=now,
            unread_count=membership.unread_count,
        ),
        user_ids=[user.pk],
    )
    if user.send_read_receipts:
        realtime.publish(
            event_types.MESSAGE_READ,
            events.pointer_moved(
                conversation_id=conversation.pk, user_id=user.pk, up_to=up_to, at=now
            ),
            user_ids=[member_id for member_id in member_ids if member_id != user.pk],
        )
    if acked:
        signals.messages_read.send(
            sender=Conversation,
            conversation=conversation,
            reader=user,
            message_ids=[message_id for message_id, _ in acked],
            author_ids=_author_ids(acked),
            writes=writes,
            audience=audience,
        )
