"""Publishing: store events for replay inside the caller's transaction, push them after commit."""

import json
import logging
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django_eventstream.event import Event

from realtime import fanout, user_channel
from realtime.storage import storage_instance

logger = logging.getLogger(__name__)
storage = storage_instance


def _channels(user_ids: Iterable[int], channels: Iterable[str]) -> list[str]:
    return [user_channel(user_id) for user_id in user_ids] + list(channels)


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"))


def publish_event(
    event_type: str, payload: dict[str, Any], *, user_ids: Iterable[int], channels: Iterable[str]
) -> list[Event]:
    targets = _channels(user_ids, channels)
    if not targets:
        return []
    events = storage.append_events(targets, event_type, encode(payload))
    transaction.on_commit(lambda: fanout.push(events))
    return events


def publish_ephemeral_event(
    event_type: str, payload: dict[str, Any], *, user_ids: Iterable[int], channels: Iterable[str]
) -> None:
    data = encode(payload)
    events = [Event(channel, event_type, data) for channel in _channels(user_ids, channels)]
    transaction.on_commit(lambda: fanout.push(events))


async def apublish_ephemeral(
    event_type: str,
    payload: dict[str, Any],
    *,
    user_ids: Iterable[int],
    channels: Iterable[str] = (),
) -> None:
    """publish_ephemeral_event for async callers (no transaction to wait for)."""
    data = encode(payload)
    await fanout.apush(
        [Event(channel, event_type, data) for channel in _channels(user_ids, channels)]
    )
