"""Who is in a conversation: the caller's membership check and the current members."""

from accounts.models import User
from chat.errors import NotAMember
from chat.models import Membership


def active_membership(*, user: User, conversation_id: int, for_update: bool = False) -> Membership:
    """The caller's current membership, or NotAMember (404) for outsiders and former members."""
    memberships = Membership.objects.select_related("conversation", "conversation__group")
    if for_update:
        # Only the membership row: the conversation and group stay unlocked.
        memberships = memberships.select_for_update(of=("self",))
    try:
        return memberships.get(
            conversation_id=conversation_id, user_id=user.pk, left_at__isnull=True
        )
    except Membership.DoesNotExist:
        raise NotAMember() from None


def active_member_ids(*, conversation_id: int) -> list[int]:
    return list(
        Membership.objects.filter(conversation_id=conversation_id, left_at__isnull=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def current_members(*, conversation_id: int) -> list[Membership]:
    """Current members with their users, by seniority."""
    return list(
        Membership.objects.filter(conversation_id=conversation_id, left_at__isnull=True)
        .select_related("user")
        .order_by("joined_at", "id")
    )
