"""Fan-out over the channels layer: one layer group per event channel.

A node joins the group `ev.<channel>` while it holds a listener on that
channel, so an event published here reaches only the nodes that need it.
"""

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import redis
import redis.asyncio
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.db import transaction
from django_eventstream.event import Event

if TYPE_CHECKING:
    from config.throttling import SlidingWindowThrottle

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "realtime.event"


def group_name(channel: str) -> str:
    return f"ev.{channel}"


def to_message(event: Event) -> dict:
    return {
        "type": MESSAGE_TYPE,
        "channel": event.channel,
        "event_type": event.type,
        "data": event.data,
        "id": event.id,
        "published_at": time.time(),
    }


def from_message(message: dict) -> Event:
    event = Event(message["channel"], message["event_type"], message["data"], id=message["id"])
    event.published_at = message.get("published_at")
    return event


async def apush(events: Sequence[Event]) -> int:
    """Send events to the nodes listening on their channels; returns how many failed.

    A failed send loses nothing: stored events are replayed from the log when
    the client (or the node, after a channel-layer outage) catches up.
    """
    from realtime import metrics

    if not events:
        return 0
    publisher = _async_redis_publisher()
    if publisher is not None:
        try:
            await publisher(events)
            failed = 0
        except Exception:  # noqa: BLE001 - a broken layer must not fail the request
            failed = len(events)
    else:
        layer = get_channel_layer()
        failed = 0
        for event in events:
            try:
                await layer.group_send(group_name(event.channel), to_message(event))
            except Exception:  # noqa: BLE001 - a broken layer must not fail the request
                failed += 1
    if failed:
        metrics.CHANNEL_LAYER_ERRORS.inc(failed)
        logger.warning("channel layer refused %d of %d events", failed, len(events))
    _count_published(events)
    return failed


def push(events: Sequence[Event]) -> None:
    """Send events from synchronous code (the on_commit of a domain action)."""
    if not events:
        return
    publisher = _redis_publisher()
    if publisher is None:
        async_to_sync(apush)(events)
        return
    try:
        publisher(events)
    except Exception:  # a broken layer must not fail the request
        from realtime import metrics

        metrics.CHANNEL_LAYER_ERRORS.inc(len(events))
        logger.warning("channel layer refused %d events", len(events), exc_info=True)
        return
    _count_published(events)


def push_on_commit(events: Sequence[Event]) -> None:
    """`push` these stored events once the current transaction commits."""
    if events:
        transaction.on_commit(lambda: push(events))


def push_control(group: str, message: dict) -> None:
    """A control message to every node that joined `group` (from synchronous code)."""
    publisher = _redis_publisher()
    try:
        if publisher is None:
            async_to_sync(get_channel_layer().group_send)(group, message)
        else:
            publisher.raw(group, message)
    except Exception:
        from realtime import metrics

        metrics.CHANNEL_LAYER_ERRORS.inc()
        logger.warning("channel layer refused a control message", exc_info=True)


def _count_published(events: Sequence[Event]) -> None:
    from realtime import metrics

    for event in events:
        metrics.EVENTS_PUBLISHED.labels(event.type).inc()


def _single_redis_layer() -> tuple[RedisPubSubChannelLayer, str, str] | None:
    """(layer, Redis URL, prefix) when the layer is Redis pub/sub on one host, else None
    (sharded layers hash groups over hosts: let the layer route them)."""
    layer = get_channel_layer()
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    if len(config["hosts"]) != 1:
        return None
    return layer, config["hosts"][0], config.get("prefix", "asgi")


def _group_channel(prefix: str, group: str) -> str:
    # channels_redis's naming for a group's pub/sub channel (pinned by the cross-node tests).
    return f"{prefix}__group__{group}"


def _serialized(
    layer: RedisPubSubChannelLayer, prefix: str, events: Sequence[Event]
) -> list[tuple[str, bytes]]:
    """(Redis channel, message) of each event, as the layer's group_send would publish it."""
    return [
        (_group_channel(prefix, group_name(event.channel)), layer.serialize(to_message(event)))
        for event in events
    ]


@functools.cache
def _redis_publisher():
    """With the Redis pub/sub layer: publish a whole fan-out in one pipelined round trip.

    `group_send` awaits one PUBLISH after another (a 500-member group message is
    1,000 of them) behind a hop from the request thread to the event loop. This
    writes the same messages the layer would, serialized by the layer, to the
    layer's group channels, with a plain Redis client from the request thread.
    """
    found = _single_redis_layer()
    if found is None:
        return None
    layer, url, prefix = found
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    class Publisher:
        def __call__(self, events: Sequence[Event]) -> None:
            with client.pipeline(transaction=False) as pipeline:
                for channel, message in _serialized(layer, prefix, events):
                    pipeline.publish(channel, message)
                pipeline.execute()

        def raw(self, group: str, message: dict) -> None:
            client.publish(_group_channel(prefix, group), layer.serialize(message))

    return Publisher()


_async_publishers: dict[asyncio.AbstractEventLoop, Callable] = {}


def _async_redis_publisher() -> Callable[[Sequence[Event]], Awaitable[None]] | None:
    """`_redis_publisher` for the running loop: the same pipelined PUBLISH, with a
    redis.asyncio client of that loop (so no thread hop and one round trip)."""
    found = _single_redis_layer()
    if found is None:
        return None
    loop = asyncio.get_running_loop()
    publisher = _async_publishers.get(loop)
    if publisher is None:
        layer, url, prefix = found
        client = redis.asyncio.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

        async def publisher(events: Sequence[Event]) -> None:
            async with client.pipeline(transaction=False) as pipeline:
                for channel, message in _serialized(layer, prefix, events):
                    pipeline.publish(channel, message)
                await pipeline.execute()

        _async_publishers[loop] = publisher
    return publisher


async def apush_unless_throttled(
    events: Sequence[Event], *, throttle: "SlidingWindowThrottle", user_id: int
) -> float | None:
    """`apush(events)` if `throttle` lets `user_id` in; else the seconds until it would.

    When the throttle's Redis is the layer's, the check and the publish are one round trip
    (config.throttling.SLIDING_WINDOW_THEN_PUBLISH_LUA). A Redis failure fails open, as the
    throttle does, and loses only these unstored events, as `apush` does.
    """
    found = _single_redis_layer()
    if found is None or not throttle.publishes_on(found[1]):
        wait = await throttle.await_wait(user_id)
        if wait is None:
            await apush(events)
        return wait
    layer, _, prefix = found
    try:
        wait = await throttle.await_wait_then_publish(user_id, _serialized(layer, prefix, events))
    except Exception:  # a broken layer must not fail the request (logged with its traceback)
        from realtime import metrics

        metrics.CHANNEL_LAYER_ERRORS.inc(len(events))
        logger.warning(
            "throttle and publish failed; %d events not sent", len(events), exc_info=True
        )
        return None
    if wait is None:
        _count_published(events)
    return wait
