"""NATS JetStream: a durable pull consumer with explicit acks (nats-py).

`nats://[user:pass@]host:4222[,host2:4222]?stream=PARLEY_INGEST&subject=parley.ingest.>
&durable=parley-ingest&dead_letter=parley.ingest-dead` (the defaults shown). Every process
pulling from the same durable shares its messages; one not acked within the ack wait
(`INGEST_ACK_WAIT_SECONDS`), because its consumer died, goes to another. The stream and the
dead-letter stream (`<stream>_DEAD` on the dead-letter subject) are created when absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from realtime.ingest.sources.base import DEAD_LETTER_BODY_LIMIT, BusMessage, Source

DEFAULTS = {
    "stream": "PARLEY_INGEST",
    "subject": "parley.ingest.>",
    "durable": "parley-ingest",
    "dead_letter": "parley.ingest-dead",
}


def _header_value(text: str) -> str:
    return " ".join(text.split())[:500]  # headers are one line


class NatsSource(Source):
    name = "nats"

    def __init__(self, url: str, *, ack_wait: float) -> None:
        parts = urlsplit(url)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        options = {key: query.get(key, default) for key, default in DEFAULTS.items()}
        self.servers = [f"nats://{host}" for host in parts.netloc.split(",")]
        self.stream = options["stream"]
        self.subject = options["subject"]
        self.durable = options["durable"]
        self.dead_letter_subject = options["dead_letter"]
        self.ack_wait = ack_wait
        self.connection = None
        self.jetstream = None
        self.subscription = None

    def __repr__(self) -> str:
        return f"<NatsSource stream={self.stream} durable={self.durable}>"

    async def _ensure_stream(self, name: str, subject: str) -> None:
        try:
            await self.jetstream.stream_info(name)
        except NotFoundError:
            await self.jetstream.add_stream(name=name, subjects=[subject])

    async def connect(self) -> None:
        self.connection = await nats.connect(
            servers=self.servers, max_reconnect_attempts=-1, name="parley-ingest"
        )
        self.jetstream = self.connection.jetstream()
        await self._ensure_stream(self.stream, self.subject)
        await self._ensure_stream(f"{self.stream}_DEAD", self.dead_letter_subject)
        self.subscription = await self.jetstream.pull_subscribe(
            self.subject,
            durable=self.durable,
            stream=self.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.ack_wait,
                deliver_policy=DeliverPolicy.ALL,
            ),
        )

    async def fetch(self, *, max_messages: int, timeout: float) -> list[BusMessage]:
        try:
            messages = await self.subscription.fetch(max_messages, timeout=timeout)
        except NatsTimeout:
            return []
        return [
            BusMessage(
                body=message.data,
                source_id=f"{self.stream}:{message.metadata.sequence.stream}",
                redelivered=message.metadata.num_delivered > 1,
                handle=message,
            )
            for message in messages
        ]

    async def ack(self, message: BusMessage) -> None:
        await message.handle.ack()

    async def keep_in_hand(self, messages: Sequence[BusMessage]) -> None:
        for message in messages:
            await message.handle.in_progress()

    async def release(self, messages: Sequence[BusMessage]) -> None:
        for message in messages:
            await message.handle.nak()  # redelivered now, not after the ack wait

    async def dead_letter(self, message: BusMessage, *, reason: str, detail: str) -> None:
        # js.publish waits for the stream's ack: the dead letter is stored before the original
        # is acked, so a crash in between leaves a redelivery, never a lost message.
        await self.jetstream.publish(
            self.dead_letter_subject,
            message.body[:DEAD_LETTER_BODY_LIMIT],
            headers={
                "Parley-Dead-Letter-Reason": reason,
                "Parley-Dead-Letter-Detail": _header_value(detail),
                "Parley-Source-Id": message.source_id,
                "Parley-Source-Subject": message.handle.subject,
            },
        )
        await message.handle.ack()

    async def lag(self) -> int | None:
        info = await self.jetstream.consumer_info(self.stream, self.durable)
        return info.num_pending

    async def close(self) -> None:
        if self.connection is not None and not self.connection.is_closed:
            await self.connection.flush()
            await self.connection.close()
