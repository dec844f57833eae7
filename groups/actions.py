"""Every write of groups: one function per change, one transaction each.

Who may do what (owner > admin > member):
- any member: read, send, leave;
- admins and the owner: add members, rename/describe, remove or change the role of
  someone ranked *below* them, make a member an admin;
- the owner only: remove or demote admins, hand over ownership (change someone's role
  to "owner"; the old owner becomes an admin), delete the group.
Nobody can remove or demote the owner; the owner leaves instead, which hands
ownership to the oldest admin, else the oldest member (the last one out deletes it).
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

import realtime
from accounts.models import User
from chat import actions as chat_actions
from chat import selectors as chat_selectors
from chat.models import Membership
from groups import events, selectors, signals
from groups.errors import (
    GroupFull,
    GroupNotFound,
    InvalidGroup,
    InvalidMembers,
    MemberNotFound,
    NotAGroupAdmin,
    OwnerOnly,
    RoleNotAllowed,
)
from groups.models import ROLE_RANK, Group, Role
from realtime import event_types


def _existing_user_ids(user_ids: Iterable[int]) -> list[int]:
    wanted = set(user_ids)
    found = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise InvalidMembers(f"No such users: {', '.join(str(pk) for pk in missing)}.")
    return sorted(found)


def _clean_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise InvalidGroup("A group needs a name.")
    if len(name) > Group._meta.get_field("name").max_length:
        raise InvalidGroup("That group name is too long.")
    return name


def _check_size(*, current: int, joining: int) -> None:
    if current + joining > settings.GROUP_MAX_MEMBERS:
        raise GroupFull(f"A group holds at most {settings.GROUP_MAX_MEMBERS} members.")


def _locked(*, user: User, group_id: int) -> tuple[Group, Membership]:
    """The group and the caller's membership, with the conversation row locked.

    Locking the conversation first (as sends do) serialises every membership
    change of one group, so member lists in events are exact.
    """
    group, _ = selectors.membership_in_group(user=user, group_id=group_id)
    chat_actions.lock_conversation(conversation_id=group.conversation_id)
    group = Group.objects.select_related("conversation").filter(pk=group.pk).first()
    if group is None:  # deleted while we waited for the lock
        raise GroupNotFound()
    group.conversation.group = group  # titles of chat events read the group from here
    membership = Membership.objects.filter(
        conversation_id=group.conversation_id, user=user, left_at__isnull=True
    ).first()
    if membership is None:  # removed while we waited for the lock
        raise GroupNotFound()
    return group, membership


def _require_admin(membership: Membership) -> None:
    if membership.role not in (Role.OWNER, Role.ADMIN):
        raise NotAGroupAdmin()


def _target(group: Group, *, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(conversation_id=group.conversation_id, user_id=user_id, left_at__isnull=True)
        .first()
    )
    if membership is None:
        raise MemberNotFound()
    return membership


def _member_ids(group: Group) -> list[int]:
    return chat_selectors.active_member_ids(conversation_id=group.conversation_id)


def _announce_joined(group: Group, *, actor: User, joined_ids: list[int]) -> None:
    members = selectors.current_members(group=group)
    member_ids = [membership.user_id for membership in members]
    added = [membership for membership in members if membership.user_id in set(joined_ids)]
    realtime.publish(
        event_types.GROUP_INVITE,
        events.invite(group, members=members, actor=actor),
        user_ids=joined_ids,
    )
    realtime.publish(
        event_types.GROUP_MEMBER_ADDED,
        events.members_added(group, added=added, actor=actor),
        user_ids=[member_id for member_id in member_ids if member_id not in set(joined_ids)],
    )
    signals.members_added.send(
        sender=Group, group=group, actor=actor, added_ids=joined_ids, member_ids=member_ids
    )


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
    name = _clean_name(name)
    invited = [pk for pk in _existing_user_ids(member_ids) if pk != creator.pk]
    _check_size(current=1, joining=len(invited))
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
        _announce_joined(group, actor=creator, joined_ids=invited)
    return group


def add_members(*, actor: User, group_id: int, user_ids: Iterable[int]) -> list[int]:
    """Add people (admins and the owner only); returns the ids that were not members yet."""
    user_ids = _existing_user_ids(user_ids)
    with transaction.atomic(), realtime.batched():
        group, membership = _locked(user=actor, group_id=group_id)
        _require_admin(membership)
        current = set(_member_ids(group))
        _check_size(current=len(current), joining=len(set(user_ids) - current))
        joined = chat_actions.join_members(conversation=group.conversation, user_ids=user_ids)
        if joined:
            _announce_joined(group, actor=actor, joined_ids=joined)
    return joined


def remove_member(*, actor: User, group_id: int, user_id: int) -> None:
    """Remove someone ranked below the actor; from then on the group does not exist for them."""
    with transaction.atomic(), realtime.batched():
        group, membership = _locked(user=actor, group_id=group_id)
        _require_admin(membership)
        target = _target(group, user_id=user_id)
        if target.pk == membership.pk:
            raise RoleNotAllowed("To leave the group, use leave.")
        if ROLE_RANK[membership.role] <= ROLE_RANK[target.role]:
            raise RoleNotAllowed("Admins can remove members only; nobody can remove the owner.")
        chat_actions.end_membership(membership=target, removed_by=actor)
        remaining = _member_ids(group)
        # The removed member hears of it once, then nothing more of this group.
        realtime.publish(
            event_types.GROUP_MEMBER_REMOVED,
            events.member_removed(group, user_id=user_id, actor=actor),
            user_ids=[*remaining, user_id],
        )
        signals.member_removed.send(
            sender=Group, group=group, actor=actor, user_id=user_id, member_ids=remaining
        )


def leave_group(*, user: User, group_id: int) -> int | None:
    """Leave; returns the new owner's id when the owner left.

    The owner's role passes to the oldest admin, else the oldest member. The last
    member out deletes the group.
    """
    with transaction.atomic(), realtime.batched():
        group, membership = _locked(user=user, group_id=group_id)
        others = [m for m in selectors.current_members(group=group) if m.user_id != user.pk]
        if not others:
            _delete(group, actor=user, member_ids=[user.pk])
            return None
        new_owner = None
        if membership.role == Role.OWNER:
            # current_members is ordered by rank, then seniority: the heir comes first.
            new_owner = others[0]
            new_owner.role = Role.OWNER
            new_owner.save(update_fields=["role"])
        chat_actions.end_membership(membership=membership)
        remaining = [m.user_id for m in others]
        new_owner_id = new_owner.user_id if new_owner else None
        realtime.publish(
            event_types.GROUP_MEMBER_LEFT,
            events.member_left(group, user_id=user.pk, new_owner_id=new_owner_id),
            user_ids=[*remaining, user.pk],
        )
        signals.member_left.send(
            sender=Group,
            group=group,
            user_id=user.pk,
            member_ids=remaining,
            new_owner_id=new_owner_id,
        )
    return new_owner_id


def change_role(*, actor: User, group_id: int, user_id: int, role: str) -> Membership:
    """Promote or demote a member (rules in the module docstring); returns their membership."""
    if role not in Role.values:
        raise RoleNotAllowed(f"Unknown role {role!r}.")
    with transaction.atomic(), realtime.batched():
        group, membership = _locked(user=actor, group_id=group_id)
        _require_admin(membership)
        target = _target(group, user_id=user_id)
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
    member_ids = _member_ids(group)
    realtime.publish(
        event_types.GROUP_ROLE_UPDATED,
        events.role_updated(group, user_id=membership.user_id, role=role, actor=actor),
        user_ids=member_ids,
    )
    signals.role_updated.send(
        sender=Group,
        group=group,
        actor=actor,
        user_id=membership.user_id,
        role=role,
        member_ids=member_ids,
    )


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
        name = _clean_name(name)
    with transaction.atomic(), realtime.batched():
        group, membership = _locked(user=actor, group_id=group_id)
        _require_admin(membership)
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
        member_ids = _member_ids(group)
        realtime.publish(
            event_types.GROUP_UPDATED,
            events.group_updated(group, changed=changed, actor=actor),
            user_ids=member_ids,
        )
        signals.group_updated.send(
            sender=Group, group=group, actor=actor, changed=changed, member_ids=member_ids
        )
    return group


def delete_group(*, actor: User, group_id: int) -> None:
    """Delete the group with its conversation and history (the owner only)."""
    with transaction.atomic(), realtime.batched():
        group, membership = _locked(user=actor, group_id=group_id)
        if membership.role != Role.OWNER:
            raise OwnerOnly()
        _delete(group, actor=actor, member_ids=_member_ids(group))


def _delete(group: Group, *, actor: User, member_ids: list[int]) -> None:
    payload = events.group_deleted(
        group_id=group.pk, conversation_id=group.conversation_id, name=group.name, actor=actor
    )
    realtime.publish(event_types.GROUP_DELETED, payload, user_ids=member_ids)
    signals.group_deleted.send(
        sender=Group,
        group_id=group.pk,
        name=group.name,
        conversation_id=group.conversation_id,
        actor=actor,
        member_ids=member_ids,
    )
    # The conversation cascades to the group, memberships, messages and receipts.
    group.conversation.delete()
