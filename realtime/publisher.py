"""Publishing: store events for replay inside the caller's transaction, push them after commit."""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import msgspec
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django_eventstream.event import Event

from config.bulk import BulkWrite
from realtime import fanout
from realtime.channel_names import user_channel
from realtime.storage import storage_instance

if TYPE_CHECKING:
    from config.throttling import SlidingWindowThrottle

logger = logging.getLogger(__name__)
storage = storage_instance


def _channels(user_ids: Iterable[int], channels: Iterable[str]) -> list[str]:
    return [user_channel(user_id) for user_id in user_ids] + list(channels)


_django_json = DjangoJSONEncoder()
# msgspec writes compact JSON like json.dumps(separators=(",", ":")), several times faster;
# what it does not know (lazy strings, Decimals) goes through Django's encoder.
_encoder = msgspec.json.Encoder(enc_hook=_django_json.default)


def encode(payload: dict[str, Any]) -> str:
    return _encoder.encode(payload).decode()


# The events published so far inside the innermost `batched()` block, if any.
_pending: ContextVar[list[tuple[list[str], str, str]] | None] = ContextVar(
    "realtime_pending", default=None
)


@contextmanager
def batched(writes: BulkWrite | None = None) -> Iterator[None]:
    """Store every event published inside the block together, when it ends.

    A domain action that publishes several events (the message, each side's
    title, the notifications) then costs two statements instead of two per
    event. With `writes` they become part of that one statement instead, stored
    when the caller executes it. Use it inside the action's transaction; an
    exception discards them.
    """
    if _pending.get() is not None:  # nested: the outer block stores them
        yield
        return
    pending: list[tuple[list[str], str, str]] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if writes is None:
        _store_and_push(pending)
    elif pending:
        # Stored when `writes` executes, then handed on to the next step: the fan-out.
        storage.stage_batch(pending, writes, on_stored=fanout.push_on_commit)


def _store_and_push(entries: list[tuple[list[str], str, str]]) -> list[Event]:
    events = storage.append_batch(entries)
    fanout.push_on_commit(events)
    return events


def publish_event(
    event_type: str, payload: dict[str, Any], *, user_ids: Iterable[int], channels: Iterable[str]
) -> list[Event]:
    targets = _channels(user_ids, channels)
    if not targets:
        return []
    entry = (targets, event_type, encode(payload))
    pending = _pending.get()
    if pending is not None:
        pending.append(entry)
        return []  # stored, with their ids, when the block ends
    return _store_and_push([entry])


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
    throttle: "SlidingWindowThrottle | None" = None,
    throttled_user_id: int | None = None,
) -> float | None:
    """publish_ephemeral_event for async callers (no transaction to wait for). With
    `throttle`, only if it lets `throttled_user_id` in, in the same Redis round trip
    (realtime.fanout): None then, else the seconds until it would."""
    data = encode(payload)
    events = [Event(channel, event_type, data) for channel in _channels(user_ids, channels)]
    if throttle is None:
        await fanout.apush(events)
        return None
    return await fanout.apush_unless_throttled(events, throttle=throttle, user_id=throttled_user_id)
