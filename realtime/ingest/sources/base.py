"""The interface every bus implements, so the consumer loop knows no bus.

A Kafka source would be one more small class: `fetch` = `consumer.getmany()`, `ack` = commit
the offset after the message, `keep_in_hand` = nothing (a partition stays with its consumer
while it polls), `release` = seek back to the first unprocessed offset, `dead_letter` =
produce to a dead-letter topic then commit, `lag` = end offsets minus committed.
Several processes share work through the bus's own group (a consumer group or a durable).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

DEAD_LETTER_BODY_LIMIT = 64 * 1024  # a dead letter keeps at most this much of the message


@dataclass
class BusMessage:
    body: bytes
    source_id: str  # the bus's own id (stream sequence, entry id), for logs and dead letters
    redelivered: bool
    handle: Any = field(default=None, repr=False)  # what the source needs to ack it


class Source(ABC):
    name: str  # the `source` label of the ingest metrics
    ack_wait: float  # seconds a fetched message stays with this consumer without news of it

    @abstractmethod
    async def connect(self) -> None:
        """Connect, and create the group/durable (and the bus objects it needs) if absent."""

    @abstractmethod
    async def fetch(self, *, max_messages: int, timeout: float) -> list[BusMessage]:
        """Up to `max_messages` messages, waiting at most `timeout` seconds for the first."""

    @abstractmethod
    async def ack(self, message: BusMessage) -> None:
        """The message is done: the bus never hands it out again."""

    @abstractmethod
    async def keep_in_hand(self, messages: Sequence[BusMessage]) -> None:
        """Still working on them: restart their ack wait, so a slow batch is not handed out."""

    @abstractmethod
    async def release(self, messages: Sequence[BusMessage]) -> None:
        """Fetched but not done (stopping, or the database is down): hand them out again."""

    @abstractmethod
    async def dead_letter(self, message: BusMessage, *, reason: str, detail: str) -> None:
        """Put the message aside with the reason, then ack it."""

    @abstractmethod
    async def lag(self) -> int | None:
        """Messages on the bus the group has not been handed yet (None if unknown)."""

    @abstractmethod
    async def close(self) -> None:
        """Flush acks and disconnect."""
