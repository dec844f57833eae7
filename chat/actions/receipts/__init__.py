"""Delivered and read acknowledgements: cumulative pointers, receipts written in bulk.

On PostgreSQL (`set_based.py`) an ack is two statements whatever the range and the group
size: the ack statement moves the caller's pointers under their membership's row lock,
writes the receipts of the newly acknowledged messages and returns what the events need
(the members, the acked messages and their authors); then one BulkWrite stores the events
and whatever the `messages_delivered` / `messages_read` receivers add. SQLite runs the
same steps through the ORM (`orm.py`). Both tell the members alike (`publishing.py`).
"""

from django.db import connection

from accounts.models import User
from chat.actions.receipts.orm import mark_delivered_with_orm, mark_read_with_orm
from chat.actions.receipts.set_based import ack_with_sql
from chat.models import Membership

__all__ = ["mark_delivered_up_to", "mark_read_up_to"]


def mark_delivered_up_to(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user's devices hold every message up to `up_to` (a message id of the conversation).

    Idempotent and monotonic: an `up_to` at or below the current pointer changes
    nothing. Returns the membership with its pointers. `user` may be built from a
    token's claims (only its pk is read).
    """
    if connection.vendor != "postgresql":
        return mark_delivered_with_orm(user=user, conversation_id=conversation_id, up_to=up_to)
    return ack_with_sql(user=user, conversation_id=conversation_id, up_to=up_to, read=False)


def mark_read_up_to(*, user: User, conversation_id: int, up_to: int) -> Membership:
    """The user has read every message up to `up_to`; a read implies delivered.

    Idempotent and monotonic like `mark_delivered_up_to`; recomputes the unread
    count from the messages after the new pointer. When the reader keeps read
    receipts off, only their own devices hear of it: the other members get the
    implied `message.delivered`, never `message.read` (the `messages_read` signal
    is sent either way; its receivers honour the setting).
    """
    if connection.vendor != "postgresql":
        return mark_read_with_orm(user=user, conversation_id=conversation_id, up_to=up_to)
    return ack_with_sql(user=user, conversation_id=conversation_id, up_to=up_to, read=True)
