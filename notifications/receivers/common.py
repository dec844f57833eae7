"""What the chat and group receivers share."""

from accounts.models import User
from chat.models import Conversation
from groups.models import Group
from notifications.models import Notification, NotificationType

T = NotificationType
MESSAGE_TYPES = [
    T.MESSAGE_NEW, T.MESSAGE_MENTION, T.MESSAGE_DELIVERED, T.MESSAGE_READ, T.MESSAGE_DELETED,
]  # fmt: skip


def group_of(conversation: Conversation) -> Group | None:
    if conversation.kind != Conversation.Kind.GROUP:
        return None
    try:
        return conversation.group  # cached by chat when it loaded it; else one query
    except Group.DoesNotExist:
        return None


def names_of(user_ids: list[int]) -> list[str]:
    people = User.objects.filter(pk__in=user_ids).order_by("pk")
    return [person.name for person in people]


def drop_message_notifications(*, conversation_id: int, user_ids: list[int] | None) -> None:
    """Who can no longer read a conversation loses its message notifications too."""
    rows = Notification.objects.filter(conversation_id=conversation_id, type__in=MESSAGE_TYPES)
    if user_ids is not None:
        rows = rows.filter(recipient_id__in=user_ids)
    rows.delete()
