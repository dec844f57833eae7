"""The reads of a stream open and a catch-up, on an async PostgreSQL connection of the node's loop.

Through `run_db` every read is a hop to a worker thread and back: in a reconnect
storm thousands of opens queue their reads FIFO behind each other in the pool of
threads, and each thread then waits for the GIL behind the busy event loop after
every socket call (measured: 3,000 opens finished only after 7-13 s although
the process used 60 % of one core). Here the event loop waits on PostgreSQL's
socket itself, through a small psycopg async pool of its own, so an open costs
one round trip and no thread.

Only requests served by the node's own handler (realtime.asgi) use it: a view run
in a throwaway loop (Django's test client) or on SQLite (the embedded default,
which has no async driver) keeps `run_db`. The SQL mirrors the ORM reads it
replaces: `channels_for_user` with `EventLogStorage.get_current_ids` (one statement for an
open), `get_current_ids` and `read_since`.
"""

import asyncio
from collections.abc import Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from psycopg_pool import AsyncConnectionPool

from realtime import topic_channel
from realtime.channels import MAX_TOPICS_PER_STREAM, channels_for_user
from realtime.db import run_db
from realtime.models import ChannelCounter, StoredEvent, Topic, TopicSubscription
from realtime.storage import (
    Catchup,
    EventRow,
    assemble_catchup,
    moved,
    read_since,
    storage_instance,
)

# Set by realtime.asgi.RealtimeHandler for the requests it serves on the node's loop.
served_by_node: ContextVar[bool] = ContextVar("realtime_served_by_node", default=False)

_pools: dict[asyncio.AbstractEventLoop, asyncio.Task[AsyncConnectionPool]] = {}


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


def _enabled() -> bool:
    return settings.IS_POSTGRES and settings.REALTIME_ASYNC_READS and served_by_node.get()


def _pool_settings() -> tuple[dict[str, Any], float]:
    """Connection parameters as Django's (its sync cursor class and adapters map left out),
    and how long a read may wait for a connection."""
    params = connections["default"].get_connection_params()
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    timeout = settings.DATABASES["default"]["OPTIONS"].get("pool", {}).get("timeout", 10.0)
    return params, timeout


async def _open_pool() -> AsyncConnectionPool:
    params, timeout = _pool_settings()
    pool = AsyncConnectionPool(
        kwargs=params,
        min_size=1,
        max_size=settings.REALTIME_ASYNC_READ_CONNECTIONS,
        timeout=timeout,
        name="realtime-reads",
        open=False,
    )
    await pool.open(wait=False)
    return pool


@asynccontextmanager
async def _connection():
    loop = asyncio.get_running_loop()
    if loop not in _pools:
        _pools[loop] = loop.create_task(_open_pool())
    try:
        pool = await _pools[loop]
    except Exception:
        _pools.pop(loop, None)  # the next read tries again
        raise
    # psycopg's errors become Django's (an unreachable database is an OperationalError,
    # answered with a 503 or a retry, as through the ORM).
    with connections["default"].wrap_database_errors:
        async with pool.connection() as conn:
            yield conn


async def _rows(sql: str, params: Sequence[Any]) -> list[tuple]:
    async with _connection() as conn:
        cursor = await conn.execute(sql, params)
        return await cursor.fetchall()


async def topics_and_current_ids(
    user_id: int, channels: list[str]
) -> tuple[list[str], dict[str, int]]:
    """The user's topic channels, and the last event id of those and of `channels`: the one
    read of a stream open (on SQLite or outside the node's loop, two)."""
    if not _enabled():
        every = await run_db(channels_for_user, user_id)
        topics = [channel for channel in every if channel not in channels]
        return topics, await run_db(storage_instance.get_current_ids, [*channels, *topics])
    rows = await _rows(OPEN_SQL, [channels, user_id, MAX_TOPICS_PER_STREAM])
    topics = [topic_channel(name) for name, _, _ in rows if name is not None]
    current = dict.fromkeys([*channels, *topics], 0)
    current.update({channel: last_id for _, channel, last_id in rows if channel is not None})
    return topics, current


async def current_ids(channels: Iterable[str]) -> dict[str, int]:
    """Each channel's last event id, 0 for a channel without events."""
    channels = list(channels)
    if not _enabled():
        return await run_db(storage_instance.get_current_ids, channels)
    found = dict(await _rows(COUNTERS_SQL, [channels]))
    return {channel: found.get(channel, 0) for channel in channels}


async def events_since(positions: dict[str, int], *, limit: int) -> Catchup:
    """What a listener missed since `positions` (as realtime.storage.read_since)."""
    if not _enabled():
        return await run_db(read_since, positions, limit=limit)
    current = await current_ids(positions)
    after = moved(positions, current)
    rows: dict[str, list[EventRow]] = {}
    if after:
        found = await _rows(EVENTS_SQL, [list(after), list(after.values()), limit + 1])
        for channel, seq, kind, data in found:
            rows.setdefault(channel, []).append((seq, kind, data))
    return assemble_catchup(positions, current, rows, limit=limit)


async def close() -> None:
    """Close this loop's pool (node shutdown, tests); the next read opens a new one."""
    task = _pools.pop(asyncio.get_running_loop(), None)
    if task is not None:
        await (await task).close()
