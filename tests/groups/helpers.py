"""Helpers for the groups tests."""

from chat.models import Membership


def role_of(user, group) -> str | None:
    """`user`'s role in `group`, or None when they are not (or no longer) a member."""
    row = Membership.objects.filter(
        conversation_id=group.conversation_id, user=user, left_at__isnull=True
    ).first()
    return row.role if row else None
