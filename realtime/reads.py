"""The reads of a stream open and a catch-up, on an async PostgreSQL connection of the node's loop.

Through `run_db` every read would be a hop to a worker thread and back: in a reconnect
storm thousands of opens queue their reads FIFO behind each other in the pool of
threads, and each thread then waits for the GIL behind the busy event loop after
every socket call (measured: 3,000 opens finished only after 7-13 s although
the process used 60 % of one core). Here each read is one statement on the loop's own
connections (`realtime.db.fetch_all`), with `run_db` where those are not available.
The SQL mirrors the ORM reads it
replaces: `channels_for_user` with `EventLogStorage.get_current_ids` (one statement for an
open), `get_current_ids` and `read_since`.
"""

from collections.abc import Iterable

from django.db import connections

from realtime.channel_access import MAX_TOPICS_PER_STREAM, channels_for_user
from realtime.channel_names import topic_channel
from realtime.db import async_enabled, fetch_all, run_db
from realtime.models import ChannelCounter, StoredEvent, Topic, TopicSubscription
from realtime.storage import (
    Catchup,
    EventRow,
    assemble_catchup,
    moved,
    read_since,
    storage_instance,
)


def _table(model) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


COUNTERS_SQL = (
    f"SELECT channel, last_id FROM {_table(ChannelCounter)} "  # noqa: S608
    "WHERE channel = ANY(%s)"
)
# Up to `limit` events after each position, all channels in one statement.
EVENTS_SQL = (
    "SELECT p.channel, e.seq, e.type, e.data "  # noqa: S608
    "FROM unnest(%s::varchar[], %s::bigint[]) AS p(channel, after) "
    "CROSS JOIN LATERAL ("
    f"  SELECT seq, type, data FROM {_table(StoredEvent)} "
    "  WHERE channel = p.channel AND seq > p.after ORDER BY seq LIMIT %s"
    ") e ORDER BY p.channel, e.seq"
)


# One statement for a stream open: the counters of the given channels, and the user's
# topics with their counters (topic NULL: one of the given channels).
OPEN_SQL = (
    f"SELECT NULL::varchar, c.channel, c.last_id FROM {_table(ChannelCounter)} c "  # noqa: S608
    "WHERE c.channel = ANY(%s) UNION ALL "
    f"SELECT t.name, k.channel, k.last_id FROM (SELECT t.name FROM {_table(TopicSubscription)} s "
    f"JOIN {_table(Topic)} t ON t.id = s.topic_id WHERE s.user_id = %s LIMIT %s) t "
    f"LEFT JOIN {_table(ChannelCounter)} k ON k.channel = 'topic-' || t.name"
)


async def topics_and_current_ids(
    user_id: int, channels: list[str]
) -> tuple[list[str], dict[str, int]]:
    """The user's topic channels, and the last event id of those and of `channels`: the one
    read of a stream open (on SQLite or outside the node's loop, two)."""
    if not async_enabled():
        every = await run_db(channels_for_user, user_id)
        topics = [channel for channel in every if channel not in channels]
        return topics, await run_db(storage_instance.get_current_ids, [*channels, *topics])
    rows = await fetch_all(OPEN_SQL, [channels, user_id, MAX_TOPICS_PER_STREAM])
    topics = [topic_channel(name) for name, _, _ in rows if name is not None]
    current = dict.fromkeys([*channels, *topics], 0)
    current.update({channel: last_id for _, channel, last_id in rows if channel is not None})
    return topics, current


async def current_ids(channels: Iterable[str]) -> dict[str, int]:
    """Each channel's last event id, 0 for a channel without events."""
    channels = list(channels)
    if not async_enabled():
        return await run_db(storage_instance.get_current_ids, channels)
    found = dict(await fetch_all(COUNTERS_SQL, [channels]))
    return {channel: found.get(channel, 0) for channel in channels}


async def events_since(positions: dict[str, int], *, limit: int) -> Catchup:
    """What a listener missed since `positions` (as realtime.storage.read_since)."""
    if not async_enabled():
        return await run_db(read_since, positions, limit=limit)
    current = await current_ids(positions)
    after = moved(positions, current)
    rows: dict[str, list[EventRow]] = {}
    if after:
        found = await fetch_all(EVENTS_SQL, [list(after), list(after.values()), limit + 1])
        for channel, seq, kind, data in found:
            rows.setdefault(channel, []).append((seq, kind, data))
    return assemble_catchup(positions, current, rows, limit=limit)
