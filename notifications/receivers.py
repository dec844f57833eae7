"""Chat and groups events become notifications. Connected in NotificationsConfig.ready().

Each receiver runs inside the sender's transaction (chat/signals.py, groups/signals.py):
it adds its rows in bulk and publishes, and never calls back into chat or groups.
"""

from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import User
from chat import signals as chat_signals
from chat.models import Conversation, Message
from groups import signals as group_signals
from groups.models import Group
from notifications import content
from notifications.fanout import Audience, notify
from notifications.models import Notification, NotificationType
from notifications.preferences import IN_APP, recipient_settings

T = NotificationType
MESSAGE_TYPES = [T.MESSAGE_NEW, T.MESSAGE_DELIVERED, T.MESSAGE_READ, T.MESSAGE_DELETED]


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


# --- chat ---------------------------------------------------------------------


def on_message_sent(sender: Any, *, message: Message, recipient_ids: list[int], **kwargs) -> None:
    conversation = message.conversation
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
) -> None:
    """Tell each author that `reader` received/read their messages, if they want to know."""
    recipients = recipient_settings(author_ids)
    if not any(settings.wants(kind, IN_APP) for settings in recipients.values()):
        return  # the default: receipts show as ticks, not as notifications
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


def on_messages_delivered(
    sender: Any,
    *,
    conversation: Conversation,
    reader: User,
    message_ids: list[int],
    author_ids: list[int],
    **kwargs,
) -> None:
    if not message_ids:
        return
    Notification.objects.filter(
        recipient_id=reader.pk,
        conversation_id=conversation.pk,
        type=T.MESSAGE_NEW,
        message_id__lte=max(message_ids),
        delivered_at__isnull=True,
    ).update(delivered_at=timezone.now())
    _acknowledged(
        kind=T.MESSAGE_DELIVERED,
        conversation=conversation,
        reader=reader,
        message_ids=message_ids,
        author_ids=author_ids,
    )


def on_messages_read(
    sender: Any,
    *,
    conversation: Conversation,
    reader: User,
    message_ids: list[int],
    author_ids: list[int],
    **kwargs,
) -> None:
    if not message_ids:
        return
    now = timezone.now()
    # Reading the chat clears the bell: the reader's own message notifications up to
    # the last message read (their emails and pushes still waiting are then skipped).
    unread = Notification.objects.filter(
        recipient_id=reader.pk,
        conversation_id=conversation.pk,
        type=T.MESSAGE_NEW,
        message_id__lte=max(message_ids),
        read_at__isnull=True,
    )
    unread.filter(delivered_at__isnull=True).update(delivered_at=now)
    unread.update(read_at=now)
    if not reader.send_read_receipts:
        return  # authors may see delivered ticks, never that this reader read
    _acknowledged(
        kind=T.MESSAGE_READ,
        conversation=conversation,
        reader=reader,
        message_ids=message_ids,
        author_ids=author_ids,
    )


# --- groups -------------------------------------------------------------------


def on_members_added(
    sender: Any,
    *,
    group: Group,
    actor: User,
    added_ids: list[int],
    member_ids: list[int],
    **kwargs,
) -> None:
    data = {"group_name": group.name, "user_ids": list(added_ids)}
    notify(
        kind=T.GROUP_INVITE,
        audiences=[
            Audience(
                added_ids,
                title=content.invite_title(actor=actor.name, group_name=group.name),
                body=content.excerpt(group.description),
                data=data,
                personal=True,
            )
        ],
        actor=actor,
        conversation_id=group.conversation_id,
        group_id=group.pk,
    )
    added = set(added_ids)
    others = [user_id for user_id in member_ids if user_id not in added and user_id != actor.pk]
    if others:
        notify(
            kind=T.GROUP_MEMBER_ADDED,
            audiences=[
                Audience(
                    others,
                    title=group.name,
                    body=content.members_added_body(actor=actor.name, added=names_of(added_ids)),
                    data=data,
                )
            ],
            actor=actor,
            conversation_id=group.conversation_id,
            group_id=group.pk,
        )


def on_member_removed(
    sender: Any, *, group: Group, actor: User, user_id: int, member_ids: list[int], **kwargs
) -> None:
    drop_message_notifications(conversation_id=group.conversation_id, user_ids=[user_id])
    data = {"group_name": group.name, "user_id": user_id}
    (removed_name,) = names_of([user_id]) or ["someone"]
    notify(
        kind=T.GROUP_MEMBER_REMOVED,
        audiences=[
            Audience(
                [user_id],
                title=content.removed_you_title(actor=actor.name, group_name=group.name),
                data=data,
                personal=True,
            ),
            Audience(
                member_ids,
                title=group.name,
                body=content.removed_member_body(actor=actor.name, removed=removed_name),
                data=data,
            ),
        ],
        actor=actor,
        conversation_id=group.conversation_id,
        group_id=group.pk,
    )


def on_member_left(
    sender: Any,
    *,
    group: Group,
    user_id: int,
    member_ids: list[int],
    new_owner_id: int | None = None,
    **kwargs,
) -> None:
    drop_message_notifications(conversation_id=group.conversation_id, user_ids=[user_id])
    leaver = User.objects.filter(pk=user_id).first()
    notify(
        kind=T.GROUP_MEMBER_LEFT,
        audiences=[
            Audience(
                member_ids,
                title=group.name,
                body=content.left_body(who=leaver.name if leaver else "Someone"),
                data={"group_name": group.name, "user_id": user_id},
            )
        ],
        actor=leaver,
        conversation_id=group.conversation_id,
        group_id=group.pk,
    )
    if new_owner_id is not None:
        notify(
            kind=T.GROUP_ROLE_UPDATED,
            audiences=[
                Audience(
                    [new_owner_id],
                    title=content.role_title(actor=None, role="owner", group_name=group.name),
                    data={"group_name": group.name, "role": "owner", "user_id": new_owner_id},
                    personal=True,
                )
            ],
            actor=leaver,
            conversation_id=group.conversation_id,
            group_id=group.pk,
        )


def on_role_updated(
    sender: Any, *, group: Group, actor: User, user_id: int, role: str, **kwargs
) -> None:
    notify(
        kind=T.GROUP_ROLE_UPDATED,
        audiences=[
            Audience(
                [user_id],
                title=content.role_title(actor=actor.name, role=role, group_name=group.name),
                data={"group_name": group.name, "role": role, "user_id": user_id},
                personal=True,
            )
        ],
        actor=actor,
        conversation_id=group.conversation_id,
        group_id=group.pk,
    )


def on_group_updated(
    sender: Any, *, group: Group, actor: User, changed: list[str], member_ids: list[int], **kwargs
) -> None:
    notify(
        kind=T.GROUP_UPDATED,
        audiences=[
            Audience(
                member_ids,
                title=group.name,
                body=content.group_updated_body(actor=actor.name, changed=changed, name=group.name),
                data={"group_name": group.name, "changed": list(changed)},
            )
        ],
        actor=actor,
        conversation_id=group.conversation_id,
        group_id=group.pk,
    )


def on_group_deleted(
    sender: Any,
    *,
    group_id: int,
    name: str,
    conversation_id: int,
    actor: User,
    member_ids: list[int],
    **kwargs,
) -> None:
    drop_message_notifications(conversation_id=conversation_id, user_ids=None)
    notify(
        kind=T.GROUP_DELETED,
        audiences=[
            Audience(
                member_ids,
                title=content.group_deleted_title(actor=actor.name, group_name=name),
                data={"group_name": name},
                personal=True,
            )
        ],
        actor=actor,
        conversation_id=conversation_id,
        group_id=group_id,
    )


CONNECTIONS = [
    (chat_signals.message_sent, on_message_sent),
    (chat_signals.message_edited, on_message_edited),
    (chat_signals.message_deleted, on_message_deleted),
    (chat_signals.messages_delivered, on_messages_delivered),
    (chat_signals.messages_read, on_messages_read),
    (group_signals.members_added, on_members_added),
    (group_signals.member_removed, on_member_removed),
    (group_signals.member_left, on_member_left),
    (group_signals.role_updated, on_role_updated),
    (group_signals.group_updated, on_group_updated),
    (group_signals.group_deleted, on_group_deleted),
]


def connect() -> None:
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=f"notifications.{receiver.__name__}")
