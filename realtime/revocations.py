"""Users this node refuses at once: deactivated (or deleted) since their tokens were issued.

Access tokens are checked by their signature and claims alone, without a user query, so a
deactivated user's token would keep working until it expires. Every node keeps the set of
revoked user ids in memory: loaded from the database when the node's router starts, and
kept current by a control message that `revoke_users` / `restore_users` publish to every
node (the channel layer's `CONTROL_GROUP`, which each router joins). On receipt a node also
closes that user's open streams, so they are gone from every node within a second.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction

REVOKE_TYPE = "node.revoke"
RESTORE_TYPE = "node.restore"
CONTROL_GROUP = "node.control"

_revoked: set[int] = set()


def is_revoked(user_id: int) -> bool:
    return user_id in _revoked


def load() -> None:
    """Fill the set from the database (run in a worker thread when the router starts)."""
    inactive = get_user_model().objects.filter(is_active=False).values_list("pk", flat=True)
    _revoked.update(inactive)


def apply(message: dict) -> list[int]:
    """A control message received by this node; returns the users newly revoked."""
    user_ids = [int(user_id) for user_id in message.get("user_ids", [])]
    if message.get("type") == RESTORE_TYPE:
        _revoked.difference_update(user_ids)
        return []
    _revoked.update(user_ids)
    return user_ids


def revoke_users(user_ids: Iterable[int]) -> None:
    """After commit, tell every node that these users are refused from now on."""
    _publish_on_commit(REVOKE_TYPE, user_ids)


def restore_users(user_ids: Iterable[int]) -> None:
    """After commit, tell every node to accept these (reactivated) users again."""
    _publish_on_commit(RESTORE_TYPE, user_ids)


def _publish_on_commit(kind: str, user_ids: Iterable[int]) -> None:
    from realtime import fanout

    ids = sorted({int(user_id) for user_id in user_ids})
    if not ids:
        return
    message = {"type": kind, "user_ids": ids}

    def publish() -> None:
        # This node at once (also without a channel layer, e.g. the embedded default),
        # the others through the layer.
        apply(message)
        fanout.push_control(CONTROL_GROUP, message)

    transaction.on_commit(publish)
