"""Messages and attachments the caller may see: one message, history pages, the export."""

from django.db.models import QuerySet

from accounts.models import User
from chat.errors import AttachmentNotFound, MessageNotFound
from chat.models import Attachment, Membership, Message


def visible_message(*, user: User, message_id: int) -> tuple[Message, Membership]:
    """A message of a conversation the caller is in; MessageNotFound (404) otherwise."""
    message = (
        Message.objects.select_related("author", "conversation", "conversation__group")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise MessageNotFound()
    membership = (
        Membership.objects.filter(
            conversation_id=message.conversation_id, user=user, left_at__isnull=True
        )
        .only("id", "role", "conversation_id", "user_id")
        .first()
    )
    if membership is None:
        raise MessageNotFound()
    return message, membership


def message_page(
    *, conversation_id: int, before: int | None, after: int | None, limit: int
) -> tuple[list[Message], bool]:
    """Up to `limit` messages, oldest first, and whether more lie beyond the far end.

    Without `after` the page ends just before `before` (or at the newest message);
    with `after` it starts just after that id.
    """
    messages = Message.objects.filter(conversation_id=conversation_id).select_related("author")
    if after is not None:
        rows = list(messages.filter(id__gt=after).order_by("id")[: limit + 1])
        return rows[:limit], len(rows) > limit
    if before is not None:
        messages = messages.filter(id__lt=before)
    rows = list(messages.order_by("-id")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit


def visible_attachment(*, user: User, attachment_id: int) -> Attachment:
    """An attachment the user may download, else AttachmentNotFound (404).

    An unsent upload is its uploader's alone; a sent one is for the current members of
    its conversation while its message is not deleted.
    """
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise AttachmentNotFound()
    if attachment.message is None:
        if attachment.uploader_id != user.pk:
            raise AttachmentNotFound()
        return attachment
    if attachment.message.deleted_at is not None:
        raise AttachmentNotFound()
    is_member = Membership.objects.filter(
        conversation_id=attachment.conversation_id, user=user, left_at__isnull=True
    ).exists()
    if not is_member:
        raise AttachmentNotFound()
    return attachment


def messages_by_author(*, user_id: int) -> QuerySet[Message]:
    """Every message the user wrote, oldest first (the account export)."""
    return (
        Message.objects.filter(author_id=user_id)
        .order_by("id")
        .only("id", "conversation_id", "body", "created_at", "edited_at", "deleted_at")
    )
