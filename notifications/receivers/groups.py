"""Groups' signals (groups/signals.py) become notifications."""

from typing import Any

from accounts.models import User
from groups.models import Group
from notifications import content
from notifications.fanout import Audience, notify
from notifications.receivers.common import T, drop_message_notifications, names_of


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
