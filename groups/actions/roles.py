"""Who may do what in a group: promoting, demoting, handing over ownership."""

from django.db import transaction

import realtime
from accounts.models import User
from chat.models import Membership
from groups.actions.announcements import announce_role_updated
from groups.actions.checks import (
    current_member_ids,
    locked_group,
    require_admin,
    target_membership,
)
from groups.errors import OwnerOnly, RoleNotAllowed
from groups.models import ROLE_RANK, Group, Role


def change_role(*, actor: User, group_id: int, user_id: int, role: str) -> Membership:
    """Promote or demote a member (rules in groups.actions); returns their membership."""
    if role not in Role.values:
        raise RoleNotAllowed(f"Unknown role {role!r}.")
    with transaction.atomic(), realtime.batched():
        group, membership = locked_group(user=actor, group_id=group_id)
        require_admin(membership)
        target = target_membership(group, user_id=user_id)
        if target.pk == membership.pk:
            raise RoleNotAllowed("You cannot change your own role.")
        if role == Role.OWNER:
            if membership.role != Role.OWNER:
                raise OwnerOnly("Only the owner can hand over ownership.")
            _set_role(group, target, role=Role.OWNER, actor=actor)
            _set_role(group, membership, role=Role.ADMIN, actor=actor)
            return target
        if ROLE_RANK[membership.role] <= ROLE_RANK[target.role]:
            raise RoleNotAllowed("Only the owner can change an admin's role.")
        if target.role != role:
            _set_role(group, target, role=role, actor=actor)
    return target


def _set_role(group: Group, membership: Membership, *, role: str, actor: User) -> None:
    membership.role = role
    membership.save(update_fields=["role"])
    announce_role_updated(
        group,
        actor=actor,
        user_id=membership.user_id,
        role=role,
        member_ids=current_member_ids(group),
    )
