"""Blocking and unblocking a user (the rule itself is accounts.blocking)."""

from django.db import IntegrityError, transaction

from accounts import blocking
from accounts.models import Block, User
from chat.models import Conversation


def _flag_direct_conversation(*, user_id: int, other_id: int) -> None:
    """Keep the pair's direct conversation's `is_blocked` equal to "a block exists"."""
    Conversation.objects.filter(direct_key=Conversation.direct_key_for(user_id, other_id)).update(
        is_blocked=blocking.is_blocked_between(user_id=user_id, other_id=other_id)
    )


def block_user(*, blocker: User, blocked_id: int) -> bool:
    """Block `blocked_id`; returns True when the block is new (blocking twice is harmless)."""
    if blocked_id == blocker.pk:
        raise blocking.CannotBlockSelf()
    if not User.objects.filter(pk=blocked_id, deleted_at__isnull=True).exists():
        raise blocking.BlockTargetNotFound()
    with transaction.atomic():
        try:
            with transaction.atomic():
                _, created = Block.objects.get_or_create(blocker=blocker, blocked_id=blocked_id)
        except IntegrityError:  # the same block made at the same moment
            created = False
        _flag_direct_conversation(user_id=blocker.pk, other_id=blocked_id)
    return created


def unblock_user(*, blocker: User, blocked_id: int) -> bool:
    """Lift a block; returns True when there was one."""
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
        _flag_direct_conversation(user_id=blocker.pk, other_id=blocked_id)
    return bool(deleted)
