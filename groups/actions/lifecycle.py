"""A group's life: created with its first members, renamed or described, deleted."""

from collections.abc import Iterable

from django.db import transaction

import realtime
from accounts.models import User
from chat import actions as chat_actions
from groups.actions.announcements import announce_deleted, announce_joined, announce_updated
from groups.actions.checks import (
    check_size,
    clean_name,
    current_member_ids,
    existing_user_ids,
    locked_group,
    require_admin,
)
from groups.errors import OwnerOnly
from groups.models import Group, Role


def create_group(
    *,
    creator: User,
    name: str,
    member_ids: Iterable[int],
    description: str = "",
    avatar: str = "",
) -> Group:
    """A new group owned by `creator`, with `member_ids` as plain members.

    The new members get `group.invite`; the creator's devices `group.member_added`.
    """
    name = clean_name(name)
    invited = [pk for pk in existing_user_ids(member_ids) if pk != creator.pk]
    check_size(current=1, joining=len(invited))
    with transaction.atomic(), realtime.batched():
        conversation = chat_actions.create_group_conversation()
        group = Group.objects.create(
            name=name,
            description=description,
            avatar=avatar,
            created_by=creator,
            conversation=conversation,
        )
        conversation.group = group
        chat_actions.join_members(conversation=conversation, user_ids=[creator.pk], role=Role.OWNER)
        chat_actions.join_members(conversation=conversation, user_ids=invited)
        announce_joined(group, actor=creator, joined_ids=invited)
    return group


def update_group(
    *,
    actor: User,
    group_id: int,
    name: str | None = None,
    description: str | None = None,
    avatar: str | None = None,
) -> Group:
    """Rename, describe or re-picture the group (admins and the owner); None leaves a field."""
    if name is not None:
        name = clean_name(name)
    with transaction.atomic(), realtime.batched():
        group, membership = locked_group(user=actor, group_id=group_id)
        require_admin(membership)
        wanted = {"name": name, "description": description, "avatar": avatar}
        changed = [
            field
            for field, value in wanted.items()
            if value is not None and getattr(group, field) != value
        ]
        if not changed:
            return group
        for field in changed:
            setattr(group, field, wanted[field])
        group.save(update_fields=[*changed, "updated_at"])
        announce_updated(group, actor=actor, changed=changed, member_ids=current_member_ids(group))
    return group


def delete_group(*, actor: User, group_id: int) -> None:
    """Delete the group with its conversation and history (the owner only)."""
    with transaction.atomic(), realtime.batched():
        group, membership = locked_group(user=actor, group_id=group_id)
        if membership.role != Role.OWNER:
            raise OwnerOnly()
        delete_with_history(group, actor=actor, member_ids=current_member_ids(group))


def delete_with_history(group: Group, *, actor: User, member_ids: list[int]) -> None:
    """Tell the members, then delete (also when the last member leaves)."""
    announce_deleted(group, actor=actor, member_ids=member_ids)
    # The conversation cascades to the group, memberships, messages and receipts.
    group.conversation.delete()
