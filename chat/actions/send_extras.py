"""Replies, mentions and attachments on send and edit: two calls from the send path.

send_message calls `validate_send_extras` once before it inserts the message and
`store_send_extras` once after. A plain text send costs no statement here; each feature used
costs at most one before and one after (plus the mention notifications):
- reply_to: one SELECT of the quoted message, before;
- @mentions: one INSERT ... SELECT of the named members, after (nothing when the body has no @);
- attachment_ids: one UPDATE ... RETURNING that claims the uploads, after.
A bad reply_to or attachment raises a domain error inside send_message's transaction, so
nothing of the send is kept.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from accounts.models import User
from chat import events, selectors, signals
from chat.actions.attachments import attach_to_message
from chat.errors import InvalidReplyTo
from chat.mentions import member_ids_named, mentioned_usernames
from chat.message_extras import (
    MessageExtras,
    attachment_data,
    load_extras,
    publish_per_viewer,
    quote_data,
)
from chat.models import Conversation, Membership, Message, MessageMention
from realtime import event_types


@dataclass(frozen=True)
class SendExtras:
    """What a send carries besides its body, checked before the insert."""

    reply_to: Message | None = None
    attachment_ids: tuple[int, ...] = ()
    mention_usernames: tuple[str, ...] = ()

    @property
    def reply_to_id(self) -> int | None:
        return self.reply_to.pk if self.reply_to is not None else None


NO_SEND_EXTRAS = SendExtras()


def validate_send_extras(
    *,
    author: User,
    conversation_id: int,
    body: str,
    reply_to_id: int | None = None,
    attachment_ids: Sequence[int] = (),
) -> SendExtras:
    """Check reply_to against the conversation (InvalidReplyTo) and read the @names.

    Outsiders get NotAMember whatever their reply_to, so it cannot probe a conversation.
    """
    reply_to = None
    if reply_to_id is not None:
        reply_to = (
            Message.objects.select_related("author")
            .filter(pk=reply_to_id, conversation_id=conversation_id, deleted_at__isnull=True)
            .first()
        )
        if reply_to is None:
            selectors.active_membership(user=author, conversation_id=conversation_id)
            raise InvalidReplyTo()
    if reply_to is None and not attachment_ids and "@" not in body:
        return NO_SEND_EXTRAS
    return SendExtras(
        reply_to=reply_to,
        attachment_ids=tuple(attachment_ids),
        mention_usernames=tuple(mentioned_usernames(body)),
    )


def store_send_extras(*, message: Message, extras: SendExtras) -> None:
    """Claim the attachments, flag the mentioned members and set `message.extras`."""
    attachments = attach_to_message(message=message, attachment_ids=extras.attachment_ids)
    mention_ids = _insert_mentions(message=message, usernames=extras.mention_usernames)
    message.extras = MessageExtras(
        reply_to=quote_data(extras.reply_to) if extras.reply_to is not None else None,
        mention_ids=mention_ids,
        attachments=[attachment_data(attachment) for attachment in attachments],
    )
    if mention_ids:
        signals.message_mentioned.send(sender=Conversation, message=message, user_ids=mention_ids)


def _insert_mentions(*, message: Message, usernames: Sequence[str]) -> list[int]:
    """Flag the current members named in `usernames` on `message`; their ids (one statement)."""
    if not usernames:
        return []
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(usernames))
    # Only quoted table names and placeholders are interpolated; values are parameters.
    sql = (
        f"INSERT INTO {quote(MessageMention._meta.db_table)} "  # noqa: S608
        "(message_id, user_id, conversation_id) "
        f"SELECT %s, m.user_id, m.conversation_id FROM {quote(Membership._meta.db_table)} m "
        f"JOIN {quote(User._meta.db_table)} u ON u.id = m.user_id "
        f"WHERE m.conversation_id = %s AND m.left_at IS NULL AND LOWER(u.username) IN ({marks}) "
        "RETURNING user_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [message.pk, message.conversation_id, *usernames])
        return sorted(row[0] for row in cursor.fetchall())


def refresh_mentions(*, message: Message) -> list[int]:
    """After an edit: the mentions follow the new body; newly named members are notified.

    Returns the mentioned ids now.
    """
    wanted = set(
        member_ids_named(
            conversation_id=message.conversation_id, usernames=mentioned_usernames(message.body)
        )
    )
    existing = set(MessageMention.objects.filter(message=message).values_list("user_id", flat=True))
    if existing - wanted:
        MessageMention.objects.filter(message=message, user_id__in=existing - wanted).delete()
    added = sorted(wanted - existing)
    if added:
        conversation_id = message.conversation_id
        MessageMention.objects.bulk_create(
            MessageMention(message=message, user_id=user_id, conversation_id=conversation_id)
            for user_id in added
        )
        signals.message_mentioned.send(sender=Conversation, message=message, user_ids=added)
    return sorted(wanted)


def publish_updated(*, message: Message, member_ids: Sequence[int], viewer: User) -> None:
    """`message.updated` to the members, each with their own reactions' `me`."""
    load_extras([message], viewer_id=viewer.pk)
    publish_per_viewer(
        event_types.MESSAGE_UPDATED, message, member_ids=member_ids, build=events.message_updated
    )
