"""What each group change tells people: the real-time event, and the domain signal that
notifications listen to, both for the same members."""

import realtime
from accounts.models import User
from groups import events, selectors, signals
from groups.models import Group
from realtime import event_types


def announce_joined(group: Group, *, actor: User, joined_ids: list[int]) -> None:
    """The newcomers get `group.invite`, everyone else `group.member_added`."""
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


def announce_removed(group: Group, *, actor: User, user_id: int, remaining: list[int]) -> None:
    # The removed member hears of it once, then nothing more of this group.
    realtime.publish(
        event_types.GROUP_MEMBER_REMOVED,
        events.member_removed(group, user_id=user_id, actor=actor),
        user_ids=[*remaining, user_id],
    )
    signals.member_removed.send(
        sender=Group, group=group, actor=actor, user_id=user_id, member_ids=remaining
    )


def announce_left(
    group: Group, *, user_id: int, remaining: list[int], new_owner_id: int | None
) -> None:
    realtime.publish(
        event_types.GROUP_MEMBER_LEFT,
        events.member_left(group, user_id=user_id, new_owner_id=new_owner_id),
        user_ids=[*remaining, user_id],
    )
    signals.member_left.send(
        sender=Group,
        group=group,
        user_id=user_id,
        member_ids=remaining,
        new_owner_id=new_owner_id,
    )


def announce_role_updated(
    group: Group, *, actor: User, user_id: int, role: str, member_ids: list[int]
) -> None:
    realtime.publish(
        event_types.GROUP_ROLE_UPDATED,
        events.role_updated(group, user_id=user_id, role=role, actor=actor),
        user_ids=member_ids,
    )
    signals.role_updated.send(
        sender=Group,
        group=group,
        actor=actor,
        user_id=user_id,
        role=role,
        member_ids=member_ids,
    )


def announce_updated(
    group: Group, *, actor: User, changed: list[str], member_ids: list[int]
) -> None:
    realtime.publish(
        event_types.GROUP_UPDATED,
        events.group_updated(group, changed=changed, actor=actor),
        user_ids=member_ids,
    )
    signals.group_updated.send(
        sender=Group, group=group, actor=actor, changed=changed, member_ids=member_ids
    )


def announce_deleted(group: Group, *, actor: User, member_ids: list[int]) -> None:
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
