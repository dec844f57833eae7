"""Parley's real-time layer: the only app that knows django-eventstream and channels.

Domain apps call `realtime.publish(...)` inside their action's transaction; the
events are stored for replay in that same transaction and pushed to open
streams once it commits.

The path of one event, each step calling the next:

1. `realtime.publish()` (here) hands it to `publisher`, which encodes the payload once
   and, in `batched()`, collects the action's events;
2. `storage` (EventLogStorage) appends it to the event log of each recipient channel,
   giving it that channel's next id, in the action's transaction;
3. after the commit `fanout` publishes it to the channel layer (Redis pub/sub), to the
   group of each channel, which only the nodes with a listener on it joined;
4. on each such node `event_router` (NodeRouter) receives it and queues it for the
   listeners of that channel;
5. `streams` (Connection) takes it from the queue in id order, and reads the log through
   `storage` instead when it finds a gap or fell behind;
6. `views` writes it as Server-Sent Events bytes (`/events/`) or answers the long poll
   (`/api/v1/poll`), `consumers` sends it as a WebSocket frame (`/ws/`); `urls` is the
   table of those paths and `asgi` the lean handler that serves them on a node.

Beside that path: `node_startup` starts the node's loops, each in the module of its
concern (`event_router`, `resync`, `presence`, `node_registry`), and `shutdown` drains
on SIGTERM; `auth` and `revocations` decide who may open a stream, `channel_access`
which channels they read.
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from realtime.channel_names import BROADCAST_CHANNEL, topic_channel, user_channel

if TYPE_CHECKING:
    from config.bulk import BulkWrite
    from config.throttling import SlidingWindowThrottle


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
    throttle: "SlidingWindowThrottle | None" = None,
    throttled_user_id: int | None = None,
) -> float | None:
    """`publish_ephemeral` for async callers (nothing to wait for: no transaction). With
    `throttle` (config.throttling), only if it lets `throttled_user_id` in: None then, else
    the seconds until it would; the check and the publish are one Redis round trip when the
    throttle and the channel layer share Redis."""
    from realtime.publisher import apublish_ephemeral

    return await apublish_ephemeral(
        event_type,
        payload,
        user_ids=user_ids,
        channels=channels,
        throttle=throttle,
        throttled_user_id=throttled_user_id,
    )


__all__ = [
    "BROADCAST_CHANNEL",
    "apublish_ephemeral",
    "batched",
    "publish",
    "publish_ephemeral",
    "topic_channel",
    "user_channel",
]
