"""Sending a message: the hot path, three statements on PostgreSQL whatever the group size.

The statements (`set_based.py`):
1. The store statement: insert the message (once per author and client_id) and make it
   the conversation's last message. The UPDATE takes the conversation's row lock, which
   membership changes take too, so from here on the members cannot change under us.
2. The audience statement, a new statement and so a snapshot taken after that lock: add
   one unread message to every other current member, returning them with what the fan-out
   needs (the columns of chat.audience), and check that the author is still a member.
3. One `BulkWrite`: the events of every recipient (counters and rows), and whatever the
   `message_sent` receivers add (notifications, deliveries, delivery jobs).

On SQLite (the embedded default, no data-modifying CTEs) the same steps run as ORM calls
(`orm.py`). Both paths publish `message.new` alike (`publishing.py`) and answer a resend
with the message first sent (`resend.py`).
"""

import uuid

from django.db import connection

from accounts.models import User
from chat.actions.messages import clean_body
from chat.actions.sending.orm import send_with_orm
from chat.actions.sending.set_based import send_with_sql
from chat.models import Message

__all__ = ["send_message"]


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
    send = send_with_sql if connection.vendor == "postgresql" else send_with_orm
    return send(
        author=author,
        conversation_id=conversation_id,
        body=body,
        client_id=client_id,
        reply_to=reply_to,
        attachment_ids=attachment_ids,
    )
