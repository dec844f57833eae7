"""What every group action checks before it writes: its input, the lock, the caller's rank."""

from collections.abc import Iterable

from django.conf import settings

from accounts.models import User
from chat import actions as chat_actions
from chat import selectors as chat_selectors
from chat.models import Membership
from groups import selectors
from groups.errors import (
    GroupFull,
    GroupNotFound,
    InvalidGroup,
    InvalidMembers,
    MemberNotFound,
    NotAGroupAdmin,
)
from groups.models import Group, Role


def existing_user_ids(user_ids: Iterable[int]) -> list[int]:
    wanted = set(user_ids)
    found = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise InvalidMembers(f"No such users: {', '.join(str(pk) for pk in missing)}.")
    return sorted(found)


def clean_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise InvalidGroup("A group needs a name.")
    if len(name) > Group._meta.get_field("name").max_length:
        raise InvalidGroup("That group name is too long.")
    return name


def check_size(*, current: int, joining: int) -> None:
    if current + joining > settings.GROUP_MAX_MEMBERS:
        raise GroupFull(f"A group holds at most {settings.GROUP_MAX_MEMBERS} members.")


def locked_group(*, user: User, group_id: int) -> tuple[Group, Membership]:
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


def require_admin(membership: Membership) -> None:
    if membership.role not in (Role.OWNER, Role.ADMIN):
        raise NotAGroupAdmin()


def target_membership(group: Group, *, user_id: int) -> Membership:
    """The current membership of the person an action is about; MemberNotFound otherwise."""
    membership = (
        Membership.objects.select_related("user")
        .filter(conversation_id=group.conversation_id, user_id=user_id, left_at__isnull=True)
        .first()
    )
    if membership is None:
        raise MemberNotFound()
    return membership


def current_member_ids(group: Group) -> list[int]:
    return chat_selectors.active_member_ids(conversation_id=group.conversation_id)
