"""Chat's signals (chat/signals.py) become notifications."""

from typing import Any

from django.db import connection
from django.db.models import Count, Max, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from chat.models import Conversation, Message
from config.bulk import BulkWrite
from notifications import content
from notifications.audience import facts_from, receipt_wanted
from notifications.fanout import Audience, notify
from notifications.models import Notification
from notifications.preferences import IN_APP, recipient_settings
from notifications.receivers.common import T, group_of


def on_message_sent(
    sender: Any,
    *,
    message: Message,
    recipient_ids: list[int],
    audience: dict[int, dict[str, Any]] | None = None,
    writes: BulkWrite | None = None,
    **kwargs,
) -> None:
    """With `audience` (the send's own read of notifications.audience's columns) and
    `writes`, the notifications join the send's last statement: no query here."""
    conversation = message.conversation
    facts = None
    if audience is not None:
        facts = {
            user_id: fact
            for user_id, columns in audience.items()
            if (fact := facts_from(user_id, columns)) is not None
        }
    group = group_of(conversation)
    group_name = group.name if group else None
    notify(
        kind=T.MESSAGE_NEW,
        audiences=[
            Audience(
                recipient_ids,
                title=content.new_message_title(author=message.author.name, group_name=group_name),
                body=content.excerpt(message.body),
                data={"conversation_kind": conversation.kind, "group_name": group_name},
            )
        ],
        actor=message.author,
        conversation_id=conversation.pk,
        group_id=group.pk if group else None,
        message_id=message.pk,
        facts=facts,
        writes=writes,
    )


def on_message_edited(sender: Any, *, message: Message, **kwargs) -> None:
    # The inbox (and any email or push still waiting) shows the words as they are now.
    Notification.objects.filter(message_id=message.pk, type=T.MESSAGE_NEW).update(
        body=content.excerpt(message.body)
    )


def on_message_deleted(
    sender: Any, *, message: Message, deleted_by: User, member_ids: list[int], **kwargs
) -> None:
    # The words are gone: so are the notifications (and unsent deliveries) quoting them.
    Notification.objects.filter(message_id=message.pk, type=T.MESSAGE_NEW).delete()
    group = group_of(message.conversation)
    group_name = group.name if group else None
    notify(
        kind=T.MESSAGE_DELETED,
        audiences=[
            Audience(
                member_ids,
                title=content.message_deleted_title(deleter=deleted_by.name, group_name=group_name),
                data={"conversation_kind": message.conversation.kind, "group_name": group_name},
            )
        ],
        actor=deleted_by,
        conversation_id=message.conversation_id,
        group_id=group.pk if group else None,
        message_id=message.pk,
    )


def _acknowledged(
    *,
    kind: str,
    conversation: Conversation,
    reader: User,
    message_ids: list[int],
    author_ids: list[int],
    audience: dict[str, Any] | None = None,
) -> None:
    """Tell each author that `reader` received/read their messages, if they want to know.

    The ack's own statement already said whether any author may (notifications.audience):
    by default nobody does, and then nothing is read here."""
    if not receipt_wanted(kind, audience):
        return
    recipients = recipient_settings(author_ids)
    if not any(settings.wants(kind, IN_APP) for settings in recipients.values()):
        return  # the default: receipts show as ticks, not as notifications
    if not reader.username:  # built from a token's claims (the lean path): the name is needed
        reader = User.objects.get(pk=reader.pk)
    per_author = (
        Message.objects.filter(pk__in=message_ids, author_id__in=author_ids)
        .values("author_id")
        .annotate(count=Count("id"), latest=Max("id"))
    )
    group = group_of(conversation)
    group_name = group.name if group else None
    notify(
        kind=kind,
        audiences=[
            Audience(
                [row["author_id"]],
                title=content.receipt_title(
                    reader=reader.name, read=kind == T.MESSAGE_READ, count=row["count"]
                ),
                data={"count": row["count"], "group_name": group_name},
                message_id=row["latest"],
            )
            for row in per_author
        ],
        actor=reader,
        conversation_id=conversation.pk,
        group_id=group.pk if group else None,
        recipients=recipients,
    )


def _mark_message_notifications(
    *, reader_id: int, conversation_id: int, up_to: int, now, read: bool, writes
) -> None:
    """The reader's `message.new` notifications of the conversation up to `up_to` become
    delivered (and, reading, read: their waiting emails and pushes are then skipped).

    With `writes` (the ack's one write) this is a CTE of it. A read ack also sends
    `messages_delivered`: its update of the same rows is replaced by the read's, which sets
    delivered_at too (one statement may change a row once).
    """
    rows = Notification.objects.filter(
        recipient_id=reader_id,
        conversation_id=conversation_id,
        type=T.MESSAGE_NEW,
        message_id__lte=up_to,
    )
    if read:
        rows, values = (
            rows.filter(read_at__isnull=True),
            {
                "read_at": now,
                "delivered_at": Coalesce("delivered_at", Value(now)),
            },
        )
    else:
        rows, values = rows.filter(delivered_at__isnull=True), {"delivered_at": now}
    if writes is None:
        rows.update(**values)
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    pending = "read_at" if read else "delivered_at"
    sets = (
        "read_at = %s, delivered_at = COALESCE(delivered_at, %s)" if read else "delivered_at = %s"
    )
    # Plain SQL (the ORM's compiler costs more than the rest of an ack); the same rows as `rows`.
    writes.add_cte(
        f"UPDATE {table} SET {sets} WHERE recipient_id = %s AND conversation_id = %s "  # noqa: S608
        f"AND type = %s AND message_id <= %s AND {pending} IS NULL",
        [*([now, now] if read else [now]), reader_id, conversation_id, T.MESSAGE_NEW.value, up_to],
        fallback=lambda: rows.update(**values),
        key="notifications.message_new_acked",
    )


def on_messages_delivered(
    sender: Any,
    *,
    conversation: Conversation,
    reader: User,
    message_ids: list[int],
    author_ids: list[int],
    writes: BulkWrite | None = None,
    audience: dict[str, Any] | None = None,
    **kwargs,
) -> None:
    if not message_ids:
        return
    _mark_message_notifications(
        reader_id=reader.pk,
        conversation_id=conversation.pk,
        up_to=max(message_ids),
        now=timezone.now(),
        read=False,
        writes=writes,
    )
    _acknowledged(
        kind=T.MESSAGE_DELIVERED,
        conversation=conversation,
        reader=reader,
        message_ids=message_ids,
        author_ids=author_ids,
        audience=audience,
    )


def on_messages_read(
    sender: Any,
    *,
    conversation: Conversation,
    reader: User,
    message_ids: list[int],
    author_ids: list[int],
    writes: BulkWrite | None = None,
    audience: dict[str, Any] | None = None,
    **kwargs,
) -> None:
    if not message_ids:
        return
    now = timezone.now()
    # Reading the chat clears the bell: the reader's own message notifications up to
    # the last message read (their emails and pushes still waiting are then skipped).
    _mark_message_notifications(
        reader_id=reader.pk,
        conversation_id=conversation.pk,
        up_to=max(message_ids),
        now=now,
        read=True,
        writes=writes,
    )
    if not reader.send_read_receipts:
        return  # authors may see delivered ticks, never that this reader read
    _acknowledged(
        kind=T.MESSAGE_READ,
        conversation=conversation,
        reader=reader,
        message_ids=message_ids,
        author_ids=author_ids,
        audience=audience,
    )
