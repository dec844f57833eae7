"""Blocking: the one rule for who may not write to whom directly (reads and errors; the
writes are chat.actions.blocking, which also flags the pair's direct conversation).

A block works both ways for direct conversations: the blocked user cannot open one with the
blocker nor write to it, and the blocker cannot either until they unblock (as in WhatsApp).
Group conversations are not affected.
"""

from django.db.models import Q, QuerySet

from accounts.models import Block, User
from config.errors import DomainError, Forbidden, NotFound


class Blocked(Forbidden):
    code = "blocked"
    message = "You cannot message this user."


class BlockedByYou(Blocked):
    message = "You blocked this user; unblock them to write to them."


class CannotBlockSelf(DomainError):
    code = "invalid"
    message = "You cannot block yourself."


class BlockTargetNotFound(NotFound):
    code = "user_not_found"
    message = "User not found."


def ensure_may_message(*, sender_id: int, recipient_id: int) -> None:
    """Raise Blocked (403) when either of the two blocked the other. One query."""
    directions = set(
        Block.objects.filter(
            Q(blocker_id=sender_id, blocked_id=recipient_id)
            | Q(blocker_id=recipient_id, blocked_id=sender_id)
        ).values_list("blocker_id", flat=True)
    )
    if sender_id in directions:
        raise BlockedByYou()
    if directions:
        raise Blocked()


def is_blocked_between(*, user_id: int, other_id: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=user_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=user_id)
    ).exists()


def hidden_user_ids(*, user_id: int) -> QuerySet:
    """Everyone the user blocked or was blocked by, as a subquery (for user search)."""
    return User.objects.filter(
        Q(blocks_received__blocker_id=user_id) | Q(blocks_made__blocked_id=user_id)
    ).values("pk")


def blocked_users(*, user_id: int) -> QuerySet[User]:
    """The users this user blocked, most recent first (the settings page lists them)."""
    return User.objects.filter(blocks_received__blocker_id=user_id).order_by(
        "-blocks_received__created_at"
    )
