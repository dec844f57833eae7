"""Redis Streams: a consumer group; XAUTOCLAIM takes over what a crashed consumer left pending.

`redis://host:6379/0?stream=parley:ingest&group=parley-ingest&dead_letter=parley:ingest:dead`
(the defaults shown). Producers add entries with the JSON in the field `message`:
`XADD parley:ingest * message '{"id": "...", "event": "...", "data": {...}, "topic": "..."}'`.
Each process reads as its own consumer of the group, so they share the entries. An entry a
consumer read but never acked (it crashed) stays pending; once idle longer than
`INGEST_ACK_WAIT_SECONDS` another consumer claims it with XAUTOCLAIM. Dead letters are
entries of the dead-letter stream with `reason`, `detail`, `message` and `source_id`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as redis
from redis.exceptions import ResponseError

from realtime.ingest.sources.base import DEAD_LETTER_BODY_LIMIT, BusMessage, Source

DEFAULTS = {"stream": "parley:ingest", "group": "parley-ingest", "dead_letter": ""}
MESSAGE_FIELD = b"message"
CLAIM_EVERY_SECONDS = 1.0  # how often an idle-pending scan starts (it continues while it finds)
SCAN_START = "0-0"


def _split_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL for redis-py, and our own options taken out of its query."""
    parts = urlsplit(url)
    ours, theirs = dict(DEFAULTS), []
    for key, value in parse_qsl(parts.query):
        if key in DEFAULTS:
            ours[key] = value
        else:
            theirs.append((key, value))
    ours["dead_letter"] = ours["dead_letter"] or f"{ours['stream']}:dead"
    return urlunsplit(parts._replace(query=urlencode(theirs))), ours


class RedisStreamSource(Source):
    name = "redis"

    def __init__(self, url: str, *, consumer: str, ack_wait: float) -> None:
        self.url, options = _split_url(url)
        self.stream = options["stream"]
        self.group = options["group"]
        self.dead_letter_stream = options["dead_letter"]
        self.consumer = consumer
        self.ack_wait = ack_wait
        self.claim_idle_ms = int(ack_wait * 1000)
        self.client: redis.Redis | None = None
        self._claim_cursor = SCAN_START
        self._last_claim = 0.0
        self._reread_own = True  # entries this consumer name read before a restart

    def __repr__(self) -> str:
        return f"<RedisStreamSource stream={self.stream} group={self.group} as {self.consumer}>"

    async def connect(self) -> None:
        self.client = redis.from_url(self.url)
        try:
            # From the stream's start: entries added before the first consumer are not lost.
            await self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _messages(self, entries, *, redelivered: bool) -> list[BusMessage]:
        return [
            BusMessage(
                body=(fields or {}).get(MESSAGE_FIELD, b""),
                source_id=entry_id.decode(),
                redelivered=redelivered,
                handle=entry_id,
            )
            for entry_id, fields in entries
        ]

    async def _claim_idle(self, max_messages: int) -> list[BusMessage]:
        if self._claim_cursor == SCAN_START:
            if time.monotonic() - self._last_claim < CLAIM_EVERY_SECONDS:
                return []
            self._last_claim = time.monotonic()
        next_start, entries, *_ = await self.client.xautoclaim(
            self.stream,
            self.group,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id=self._claim_cursor,
            count=max_messages,
        )
        self._claim_cursor = next_start.decode() if isinstance(next_start, bytes) else next_start
        return self._messages(entries, redelivered=True)

    async def _read(self, entry_id: str, *, count: int, block: int | None) -> list:
        response = await self.client.xreadgroup(
            self.group, self.consumer, {self.stream: entry_id}, count=count, block=block
        )
        return response[0][1] if response else []

    async def fetch(self, *, max_messages: int, timeout: float) -> list[BusMessage]:
        claimed = await self._claim_idle(max_messages)
        if claimed:
            return claimed
        if self._reread_own:
            own = await self._read("0", count=max_messages, block=None)
            if own:
                return self._messages(own, redelivered=True)
            self._reread_own = False
        entries = await self._read(">", count=max_messages, block=max(1, int(timeout * 1000)))
        return self._messages(entries, redelivered=False)

    async def ack(self, message: BusMessage) -> None:
        await self.client.xack(self.stream, self.group, message.handle)

    async def keep_in_hand(self, messages: Sequence[BusMessage]) -> None:
        # Claiming its own entries again resets their idle time, which XAUTOCLAIM goes by.
        if messages:
            await self.client.xclaim(
                self.stream,
                self.group,
                self.consumer,
                min_idle_time=0,
                message_ids=[message.handle for message in messages],
                justid=True,
            )

    async def release(self, messages: Sequence[BusMessage]) -> None:
        # They stay pending under this consumer: read again first by the next fetch, or
        # claimed by another consumer once idle if this one stops.
        if messages:
            self._reread_own = True

    async def dead_letter(self, message: BusMessage, *, reason: str, detail: str) -> None:
        async with self.client.pipeline(transaction=True) as pipeline:
            pipeline.xadd(
                self.dead_letter_stream,
                {
                    "reason": reason,
                    "detail": detail,
                    "message": message.body[:DEAD_LETTER_BODY_LIMIT],
                    "source_id": message.source_id,
                    "stream": self.stream,
                },
            )
            pipeline.xack(self.stream, self.group, message.handle)
            await pipeline.execute()

    async def lag(self) -> int | None:
        for group in await self.client.xinfo_groups(self.stream):
            name = group.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == self.group:
                return group.get("lag")
        return None

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
