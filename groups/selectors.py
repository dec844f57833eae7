"""Reused reads of groups: the caller's membership, member lists, the caller's groups."""

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When

from accounts.models import User
from chat.models import Membership
from groups.errors import GroupNotFound
from groups.models import Group, Role
from realtime import presence

# Owner first, then admins, then members (their names do not sort that way).
ROLE_ORDER = Case(
    When(role=Role.OWNER, then=Value(0)), When(role=Role.ADMIN, then=Value(1)), default=Value(2)
)


def membership_in_group(*, user: User, group_id: int) -> tuple[Group, Membership]:
    """The group and the caller's current membership; GroupNotFound (404) for anyone else."""
    group = Group.objects.select_related("conversation").filter(pk=group_id).first()
    if group is None:
        raise GroupNotFound()
    membership = Membership.objects.filter(
        conversation_id=group.conversation_id, user=user, left_at__isnull=True
    ).first()
    if membership is None:
        raise GroupNotFound()
    return group, membership


def current_members(*, group: Group) -> list[Membership]:
    """Current members, owner first, then admins, then by seniority."""
    return list(
        Membership.objects.filter(conversation_id=group.conversation_id, left_at__isnull=True)
        .select_related("user")
        .order_by(ROLE_ORDER, "joined_at", "id")
    )


def groups_of(*, user: User) -> QuerySet[Group]:
    """The caller's current groups, newest activity first, with member counts and their role."""
    return (
        Group.objects.filter(
            conversation_id__in=Membership.objects.filter(user=user, left_at__isnull=True).values(
                "conversation_id"
            )
        )
        .select_related("conversation")
        .annotate(
            my_role=Subquery(
                Membership.objects.filter(
                    conversation_id=OuterRef("conversation_id"), user=user
                ).values("role")[:1]
            ),
            member_count=Count(
                "conversation__memberships",
                filter=Q(conversation__memberships__left_at__isnull=True),
                distinct=True,
            ),
        )
        .order_by(F("conversation__last_message_at").desc(nulls_last=True), "-created_at", "-id")
    )


def member_presence(*, user_ids: list[int]) -> list[dict]:
    """Online (one cache round trip) and last seen (one query) of these users, in order."""
    online = presence.online_user_ids(user_ids)
    last_seen = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "last_seen"))
    return [
        {"user_id": user_id, "online": user_id in online, "last_seen": last_seen.get(user_id)}
        for user_id in user_ids
    ]
