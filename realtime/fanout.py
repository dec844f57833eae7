"""Fan-out over the channels layer: one layer group per event channel.

A node joins the group `ev.<channel>` while it holds a listener on that
channel, so an event published here reaches only the nodes that need it.
"""

import logging
import time
from collections.abc import Sequence

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django_eventstream.event import Event

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
    for event in events:
        metrics.EVENTS_PUBLISHED.labels(event.type).inc()
    return failed


def push(events: Sequence[Event]) -> None:
    if events:
        async_to_sync(apush)(events)
