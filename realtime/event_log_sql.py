"""The statements of the stream's reads of the event log, on the node loop's own connections.

realtime.storage's async reads (`EventLogStorage.acurrent_ids` and the others) run
these with `realtime.db.fetch_all` where they may (`realtime.db.async_enabled()`) and
the ORM reads otherwise.

Through `run_db` every read would be a hop to a worker thread and back: in a reconnect
storm thousands of opens queue their reads FIFO behind each other in the pool of
threads, and each thread then waits for the GIL behind the busy event loop after
every socket call (measured: 3,000 opens finished only after 7-13 s although
the process used 60 % of one core). Here each read is one statement on the loop's own
connections (`realtime.db.fetch_all`). The SQL mirrors the ORM reads it replaces:
`channels_for_user` with `get_current_ids` (one statement for an open),
`get_current_ids` and `read_since`.
"""

from django.db import connections

from realtime.models import ChannelCounter, StoredEvent, Topic, TopicSubscription


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
