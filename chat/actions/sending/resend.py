"""A resend (same author, same client_id) answers with the message first sent."""

import uuid

from accounts.models import User
from chat import selectors
from chat.errors import ClientIdReused
from chat.models import Message


def earlier_send(*, author: User, client_id: uuid.UUID, conversation_id: int) -> Message:
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
