"""Event log for Last-Event-ID replay, plugged into django-eventstream as its storage class.

django-eventstream's own DjangoModelStorage locks and inserts one channel at a
time and trims expired events on every append. Here one domain action appends
its event for all recipient channels in two statements (bump the counters,
insert the rows), and retention is enforced by `manage.py purge_events`.
"""

import json
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django_eventstream.event import Event
from django_eventstream.storage import EventDoesNotExist, StorageBase

from realtime.models import ChannelCounter, StoredEvent


def _bump_counters(channels: Sequence[str]) -> dict[str, int]:
    """Increment each channel's counter in one statement; returns the new ids.

    The counter rows stay locked until the surrounding transaction commits, so
    a channel's events commit in id order even with writers on several nodes.
    Rows are locked in sorted order so concurrent fan-outs cannot deadlock.
    """
    table = connection.ops.quote_name(ChannelCounter._meta.db_table)
    values = ", ".join(["(%s, 1)"] * len(channels))
    # Only the quoted table name and placeholders are interpolated.
    sql = (
        f"INSERT INTO {table} (channel, last_id) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (channel) DO UPDATE SET last_id = {table}.last_id + 1 "
        "RETURNING channel, last_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(channels))
        return dict(cursor.fetchall())


class EventLogStorage(StorageBase):
    def append_events(self, channels: Iterable[str], event_type: str, data: str) -> list[Event]:
        """Append one event (JSON text) to every channel; returns them with their ids."""
        ordered = sorted(set(channels))
        if not ordered:
            return []
        with transaction.atomic():
            ids = _bump_counters(ordered)
            StoredEvent.objects.bulk_create(
                [StoredEvent(channel=c, seq=ids[c], type=event_type, data=data) for c in ordered]
            )
        return [Event(c, event_type, data, id=ids[c]) for c in ordered]

    def append_event(self, channel: str, event_type: str, data: dict) -> Event:
        (event,) = self.append_events([channel], event_type, json.dumps(data))
        return event

    def get_events(self, channel: str, last_id: int, limit: int = 100) -> list[Event]:
        return self.events_after(channel, last_id, self.get_current_id(channel), limit=limit)

    def events_after(
        self, channel: str, last_id: int, current_id: int, *, limit: int = 100
    ) -> list[Event]:
        if last_id == current_id:
            return []
        if last_id > current_id or last_id < 0:
            raise EventDoesNotExist(f"No such event {last_id}", current_id)
        rows = list(
            StoredEvent.objects.filter(channel=channel, seq__gt=last_id)
            .order_by("seq")
            .values_list("seq", "type", "data")[:limit]
        )
        if not rows or rows[0][0] != last_id + 1:
            # What followed last_id has been purged: the client must start afresh.
            raise EventDoesNotExist(f"Event {last_id} is past retention", current_id)
        return [Event(channel, event_type, data, id=seq) for seq, event_type, data in rows]

    def get_current_id(self, channel: str) -> int:
        return self.get_current_ids([channel])[channel]

    def get_current_ids(self, channels: Iterable[str]) -> dict[str, int]:
        channels = list(channels)
        found = dict(
            ChannelCounter.objects.filter(channel__in=channels).values_list("channel", "last_id")
        )
        return {channel: found.get(channel, 0) for channel in channels}


class Catchup:
    """What a listener missed: events per channel, channels to reset, channels with more."""

    def __init__(self) -> None:
        self.events: dict[str, list[Event]] = {}
        self.resets: dict[str, int] = {}
        self.more: set[str] = set()


def read_since(positions: dict[str, int], *, limit: int = 100) -> Catchup:
    """Events after each channel's position, reading only the channels that moved.

    One query for the counters, then one per channel that has something new.
    """
    catchup = Catchup()
    current = storage_instance.get_current_ids(positions)
    for channel, position in positions.items():
        if position == current[channel]:
            continue
        try:
            events = storage_instance.events_after(
                channel, position, current[channel], limit=limit + 1
            )
        except EventDoesNotExist as gone:
            catchup.resets[channel] = gone.current_id
            continue
        if len(events) > limit:
            events = events[:limit]
            catchup.more.add(channel)
        catchup.events[channel] = events
    return catchup


storage_instance = EventLogStorage()
