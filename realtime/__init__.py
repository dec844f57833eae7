"""Parley's real-time layer: the only app that knows django-eventstream and channels.

Domain apps call `realtime.publish(...)` inside their action's transaction; the
events are stored for replay in that same transaction and pushed to open
streams once it commits.
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from realtime.channel_names import BROADCAST_CHANNEL, topic_channel, user_channel

if TYPE_CHECKING:
    from config.bulk import BulkWrite


def publish(
    event_type: str,
    payload: dict[str, Any],
    *,
    user_ids: Iterable[int] = (),
    channels: Iterable[str] = (),
) -> list:
    """Store `event_type` for every recipient's channel and push it live after commit.

    Returns the stored events (django_eventstream Events with their ids), except inside
    `realtime.batched()`: there they are stored when the block ends, and this returns [].
    """
    from realtime.publisher import publish_event

    return publish_event(event_type, payload, user_ids=user_ids, channels=channels)


def batched(writes: "BulkWrite | None" = None) -> AbstractContextManager[None]:
    """Store the events published inside the block in one append when it ends (see publisher);
    with `writes` (a config.bulk.BulkWrite) as part of that write's one statement."""
    from realtime.publisher import batched as publisher_batched

    return publisher_batched(writes)


def publish_ephemeral(
    event_type: str,
    payload: dict[str, Any],
    *,
    user_ids: Iterable[int] = (),
    channels: Iterable[str] = (),
) -> None:
    """Push an event that is not worth replaying (typing, presence) to open streams only."""
    from realtime.publisher import publish_ephemeral_event

    publish_ephemeral_event(event_type, payload, user_ids=user_ids, channels=channels)


async def apublish_ephemeral(
    event_type: str,
    payload: dict[str, Any],
    *,
    user_ids: Iterable[int] = (),
    channels: Iterable[str] = (),
) -> None:
    """`publish_ephemeral` for async callers (nothing to wait for: no transaction)."""
    from realtime.publisher import apublish_ephemeral

    await apublish_ephemeral(event_type, payload, user_ids=user_ids, channels=channels)


__all__ = [
    "BROADCAST_CHANNEL",
    "apublish_ephemeral",
    "batched",
    "publish",
    "publish_ephemeral",
    "topic_channel",
    "user_channel",
]
