"""Event log for Last-Event-ID replay, plugged into django-eventstream as its storage class.

django-eventstream's own DjangoModelStorage locks and inserts one channel at a
time and trims expired events on every append. Here one domain action appends
its event for all recipient channels in two statements (bump the counters,
insert the rows), and retention is enforced by `manage.py purge_events`.

The one way to read the log: the sync methods through the ORM, and the async ones
that streams use (`acurrent_ids`, `aevents_since`, `atopics_and_current_ids`), which
on the node's loop on PostgreSQL run the same reads as single statements there
(realtime.event_log_sql) and elsewhere run the ORM ones in a worker thread.
"""

import json
from collections import Counter
from collections.abc import Callable, Iterable

import msgspec
from django.db import connection, transaction
from django.utils import timezone
from django_eventstream.event import Event
from django_eventstream.storage import EventDoesNotExist, StorageBase

from config.bulk import BulkWrite
from realtime.catchup import Catchup, EventRow, assemble_catchup, moved
from realtime.channel_access import MAX_TOPICS_PER_STREAM, channels_for_user
from realtime.channel_names import topic_channel
from realtime.db import async_enabled, fetch_all, run_db
from realtime.event_log_sql import COUNTERS_SQL, EVENTS_SQL, OPEN_SQL
from realtime.models import ChannelCounter, StoredEvent

_encoder = msgspec.json.Encoder()


def _bump_counters(counts: dict[str, int]) -> dict[str, int]:
    """Advance each channel's counter by its count in one statement; returns the new last ids.

    The counter rows stay locked until the surrounding transaction commits, so
    a channel's events commit in id order even with writers on several nodes.
    Rows are locked in sorted order so concurrent fan-outs cannot deadlock.
    """
    table = connection.ops.quote_name(ChannelCounter._meta.db_table)
    ordered = sorted(counts)
    values = ", ".join(["(%s, %s)"] * len(ordered))
    # Only the quoted table name and placeholders are interpolated.
    sql = (
        f"INSERT INTO {table} (channel, last_id) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (channel) DO UPDATE SET last_id = {table}.last_id + EXCLUDED.last_id "
        "RETURNING channel, last_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for channel in ordered for value in (channel, counts[channel])])
        return dict(cursor.fetchall())


def _planned(entries: Iterable[tuple[Iterable[str], str, str]]) -> list[tuple[str, str, str]]:
    """(channel, type, data) per event and channel, in publish order."""
    planned: list[tuple[str, str, str]] = []
    for channels, event_type, data in entries:
        planned.extend((channel, event_type, data) for channel in sorted(set(channels)))
    return planned


def _with_ids(
    planned: list[tuple[str, str, str]], counts: Counter, last_ids: dict[str, int]
) -> list[Event]:
    """Consecutive ids per channel in publish order, ending at the channel's new last id."""
    next_id = {channel: last_ids[channel] - counts[channel] + 1 for channel in counts}
    events = []
    for channel, event_type, data in planned:
        events.append(Event(channel, event_type, data, id=next_id[channel]))
        next_id[channel] += 1
    return events


def _staged_rows(planned: list[tuple[str, str, str]], counts: Counter) -> list[dict]:
    """stage_batch's rows: channel, position among its events here, their count, type, data."""
    positions: dict[str, int] = {}
    rows = []
    for channel, event_type, data in planned:
        positions[channel] = positions.get(channel, 0) + 1
        rows.append(
            {
                "c": channel,
                "p": positions[channel],
                "n": counts[channel],
                "t": event_type,
                "d": data,
            }
        )
    return rows


class EventLogStorage(StorageBase):
    def append_events(self, channels: Iterable[str], event_type: str, data: str) -> list[Event]:
        """Append one event (JSON text) to every channel; returns them with their ids."""
        return self.append_batch([(channels, event_type, data)])

    def append_batch(self, entries: Iterable[tuple[Iterable[str], str, str]]) -> list[Event]:
        """Append several events, each to its channels, in two statements whatever their number.

        `entries` are (channels, event type, JSON text); a channel that gets several
        of them gets consecutive ids in the order given.
        """
        planned = _planned(entries)
        if not planned:
            return []
        counts = Counter(channel for channel, _, _ in planned)
        # No savepoint of its own: a failure here aborts the caller's transaction anyway.
        with transaction.atomic(savepoint=False):
            events = _with_ids(planned, counts, _bump_counters(counts))
            StoredEvent.objects.bulk_create(
                [StoredEvent(channel=e.channel, seq=e.id, type=e.type, data=e.data) for e in events]
            )
        return events

    def stage_batch(
        self,
        entries: Iterable[tuple[Iterable[str], str, str]],
        writes: BulkWrite,
        *,
        on_stored: Callable[[list[Event]], None],
    ) -> None:
        """Add `append_batch`'s two statements to `writes` as CTEs of its one statement.

        `on_stored` gets the events with their ids once `writes` has executed.
        """
        planned = _planned(entries)
        if not planned:
            return
        counts = Counter(channel for channel, _, _ in planned)
        ordered = sorted(counts)
        table = connection.ops.quote_name(ChannelCounter._meta.db_table)
        events_table = connection.ops.quote_name(StoredEvent._meta.db_table)
        # Counters in sorted order (as _bump_counters), then each event's seq from its
        # channel's new last id: last_id - count + position.
        counters_sql = (
            f"INSERT INTO {table} (channel, last_id) "  # noqa: S608 - quoted table names only
            "SELECT channel, n FROM jsonb_to_recordset(%s::jsonb) AS r(channel text, n bigint) "
            f"ON CONFLICT (channel) DO UPDATE SET last_id = {table}.last_id + EXCLUDED.last_id "
            "RETURNING channel, last_id"
        )
        rows = _staged_rows(planned, counts)
        events: list[Event] = []

        def stored(counter_rows: list[tuple]) -> None:
            last_ids = dict(counter_rows)
            events.extend(_with_ids(planned, counts, last_ids))
            on_stored(events)

        def fallback() -> None:
            on_stored(self.append_batch(entries))

        counters = writes.add_cte(
            counters_sql,
            [_encoder.encode([{"channel": c, "n": counts[c]} for c in ordered]).decode()],
            on_rows=stored,
            fallback=fallback,
        )
        now = timezone.now()
        writes.add_cte(
            f"INSERT INTO {events_table} (channel, seq, type, data, created_at) "  # noqa: S608
            "SELECT r.c, k.last_id - r.n + r.p, r.t, r.d, %s FROM "
            "jsonb_to_recordset(%s::jsonb) AS r(c text, p bigint, n bigint, t text, d text) "
            f"JOIN {counters} k ON k.channel = r.c",
            [now, _encoder.encode(rows).decode()],
            fallback=None,
        )

    def append_event(self, channel: str, event_type: str, data: dict) -> Event:
        (event,) = self.append_events([channel], event_type, json.dumps(data))
        return event

    def get_events(self, channel: str, last_id: int, limit: int = 100) -> list[Event]:
        return self.events_after(channel, last_id, self.get_current_id(channel), limit=limit)

    def events_after(
        self, channel: str, last_id: int, current_id: int, *, limit: int = 100
    ) -> list[Event]:
        positions, current = {channel: last_id}, {channel: current_id}
        rows = _rows_after_moved(positions, current, limit=limit)
        catchup = assemble_catchup(positions, current, rows, limit=limit)
        if channel in catchup.resets:
            # Never issued, or purged past retention: the client must start afresh.
            raise EventDoesNotExist(f"No event follows {last_id} on {channel}", current_id)
        return catchup.events.get(channel, [])

    def get_current_id(self, channel: str) -> int:
        return self.get_current_ids([channel])[channel]

    def get_current_ids(self, channels: Iterable[str]) -> dict[str, int]:
        channels = list(channels)
        found = dict(
            ChannelCounter.objects.filter(channel__in=channels).values_list("channel", "last_id")
        )
        return {channel: found.get(channel, 0) for channel in channels}

    def read_since(self, positions: dict[str, int], *, limit: int = 100) -> Catchup:
        """Events after each channel's position, reading only the channels that moved.

        One query for the counters, then one per channel that has something new
        (`aevents_since` does the same in two statements on PostgreSQL).
        """
        current = self.get_current_ids(positions)
        rows = _rows_after_moved(positions, current, limit=limit + 1)
        return assemble_catchup(positions, current, rows, limit=limit)

    # --- the stream's reads (async) ---------------------------------------------------------

    async def atopics_and_current_ids(
        self, user_id: int, channels: list[str]
    ) -> tuple[list[str], dict[str, int]]:
        """The user's topic channels, and the last event id of those and of `channels`: the
        one read of a stream open (on SQLite or outside the node's loop, two)."""
        if async_enabled():
            rows = await fetch_all(OPEN_SQL, [channels, user_id, MAX_TOPICS_PER_STREAM])
            topics = [topic_channel(name) for name, _, _ in rows if name is not None]
            current = dict.fromkeys([*channels, *topics], 0)
            current.update(
                {channel: last_id for _, channel, last_id in rows if channel is not None}
            )
            return topics, current
        every = await run_db(channels_for_user, user_id)
        topics = [channel for channel in every if channel not in channels]
        return topics, await run_db(self.get_current_ids, [*channels, *topics])

    async def acurrent_ids(self, channels: Iterable[str]) -> dict[str, int]:
        """Each channel's last event id, 0 for a channel without events."""
        channels = list(channels)
        if not async_enabled():
            return await run_db(self.get_current_ids, channels)
        found = dict(await fetch_all(COUNTERS_SQL, [channels]))
        return {channel: found.get(channel, 0) for channel in channels}

    async def aevents_since(self, positions: dict[str, int], *, limit: int) -> Catchup:
        """What a listener missed since `positions` (as `read_since`)."""
        if not async_enabled():
            return await run_db(self.read_since, positions, limit=limit)
        current = await self.acurrent_ids(positions)
        after = moved(positions, current)
        rows: dict[str, list[EventRow]] = {}
        if after:
            found = await fetch_all(EVENTS_SQL, [list(after), list(after.values()), limit + 1])
            for channel, seq, kind, data in found:
                rows.setdefault(channel, []).append((seq, kind, data))
        return assemble_catchup(positions, current, rows, limit=limit)


def _rows_after_moved(
    positions: dict[str, int], current: dict[str, int], *, limit: int
) -> dict[str, list[EventRow]]:
    """Up to `limit` rows after each moved position, one query per channel."""
    return {
        channel: list(
            StoredEvent.objects.filter(channel=channel, seq__gt=position)
            .order_by("seq")
            .values_list("seq", "type", "data")[:limit]
        )
        for channel, position in moved(positions, current).items()
    }


storage_instance = EventLogStorage()
