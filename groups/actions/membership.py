"""Who is in a group: adding people, removing them, leaving."""

from collections.abc import Iterable

from django.db import transaction

import realtime
from accounts.models import User
from chat import actions as chat_actions
from groups import selectors
from groups.actions.announcements import announce_joined, announce_left, announce_removed
from groups.actions.checks import (
    check_size,
    current_member_ids,
    existing_user_ids,
    locked_group,
    require_admin,
    target_membership,
)
from groups.actions.lifecycle import delete_with_history
from groups.errors import RoleNotAllowed
from groups.models import ROLE_RANK, Role


def add_members(*, actor: User, group_id: int, user_ids: Iterable[int]) -> list[int]:
    """Add people (admins and the owner only); returns the ids that were not members yet."""
    user_ids = existing_user_ids(user_ids)
    with transaction.atomic(), realtime.batched():
        group, membership = locked_group(user=actor, group_id=group_id)
        require_admin(membership)
        current = set(current_member_ids(group))
        check_size(current=len(current), joining=len(set(user_ids) - current))
        joined = chat_actions.join_members(conversation=group.conversation, user_ids=user_ids)
        if joined:
            announce_joined(group, actor=actor, joined_ids=joined)
    return joined


def remove_member(*, actor: User, group_id: int, user_id: int) -> None:
    """Remove someone ranked below the actor; from then on the group does not exist for them."""
    with transaction.atomic(), realtime.batched():
        group, membership = locked_group(user=actor, group_id=group_id)
        require_admin(membership)
        target = target_membership(group, user_id=user_id)
        if target.pk == membership.pk:
            raise RoleNotAllowed("To leave the group, use leave.")
        if ROLE_RANK[membership.role] <= ROLE_RANK[target.role]:
            raise RoleNotAllowed("Admins can remove members only; nobody can remove the owner.")
        chat_actions.end_membership(membership=target, removed_by=actor)
        announce_removed(group, actor=actor, user_id=user_id, remaining=current_member_ids(group))


def leave_group(*, user: User, group_id: int) -> int | None:
    """Leave; returns the new owner's id when the owner left.

    The owner's role passes to the oldest admin, else the oldest member. The last
    member out deletes the group.
    """
    with transaction.atomic(), realtime.batched():
        group, membership = locked_group(user=user, group_id=group_id)
        others = [m for m in selectors.current_members(group=group) if m.user_id != user.pk]
        if not others:
            delete_with_history(group, actor=user, member_ids=[user.pk])
            return None
        new_owner = None
        if membership.role == Role.OWNER:
            # current_members is ordered by rank, then seniority: the heir comes first.
            new_owner = others[0]
            new_owner.role = Role.OWNER
            new_owner.save(update_fields=["role"])
        chat_actions.end_membership(membership=membership)
        new_owner_id = new_owner.user_id if new_owner else None
        announce_left(
            group,
            user_id=user.pk,
            remaining=[m.user_id for m in others],
            new_owner_id=new_owner_id,
        )
    return new_owner_id
