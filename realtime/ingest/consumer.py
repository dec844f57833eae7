"""The ingest loop: fetch a batch, and for each message parse, deliver, then ack."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from realtime import metrics
from realtime.ingest.delivery import deliver_batch
from realtime.ingest.messages import Malformed, parse
from realtime.ingest.sources import BusMessage, Source

logger = logging.getLogger(__name__)

LAG_EVERY_SECONDS = 5.0
RETRY_SECONDS = (0.5, 1, 2, 5, 10)  # after a failure that is not the message's fault


@dataclass(frozen=True)
class Limits:
    batch_size: int
    max_message_bytes: int
    max_user_ids: int
    fetch_timeout: float = 1.0


def _deliver_in_thread(events: list) -> list:
    close_old_connections()  # a connection broken by a database restart is replaced
    return deliver_batch(events=events)


_deliver = sync_to_async(_deliver_in_thread, thread_sensitive=True)
_drop_connections = sync_to_async(connections.close_all, thread_sensitive=True)


class Consumer:
    """Runs until `stop` is set; the batch in hand is always finished first."""

    def __init__(self, source: Source, *, limits: Limits, stop: asyncio.Event) -> None:
        self.source = source
        self.limits = limits
        self.stop = stop
        self.failures = 0
        self._lag_checked = 0.0

    async def run(self) -> None:
        await self.source.connect()
        logger.info("ingest: consuming %r", self.source)
        try:
            while not self.stop.is_set():
                try:
                    batch = await self.source.fetch(
                        max_messages=self.limits.batch_size, timeout=self.limits.fetch_timeout
                    )
                except Exception:  # the bus is away: its client reconnects, we wait
                    logger.exception("ingest: fetching from %r failed, retrying", self.source)
                    await self._back_off()
                    continue
                await self._handle_batch(batch)
                await self._report_lag()
        finally:
            await self.source.close()
            logger.info("ingest: stopped")

    async def _handle_batch(self, batch: list[BusMessage]) -> None:
        if not batch:
            return
        try:
            await self.handle(batch)
        except Exception:  # a database or bus outage: retry, never drop
            logger.exception("ingest: a batch from %s failed, retrying", batch[0].source_id)
            await self.source.release(batch)
            await _drop_connections()
            await self._back_off()
            return
        self.failures = 0

    def _parse(self, message: BusMessage):
        try:
            return parse(
                message.body,
                max_bytes=self.limits.max_message_bytes,
                max_user_ids=self.limits.max_user_ids,
            )
        except Malformed as exc:
            return exc

    async def handle(self, batch: list[BusMessage]) -> None:
        """Publish a batch (dead-lettering what cannot be), then ack it. Raises on outages.

        A stop that arrives meanwhile waits for this: the batch in hand is one transaction,
        finished and acked before the loop looks at the stop again.
        """
        source = self.source.name
        keeping = asyncio.create_task(self._keep_in_hand(batch))
        try:
            outcomes = await _deliver([self._parse(message) for message in batch])
        finally:
            # Awaited, so no keep-alive reaches the bus after the acks below.
            keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeping
        for message, outcome in zip(batch, outcomes, strict=True):
            if message.redelivered:
                metrics.INGEST_REDELIVERED.labels(source).inc()
            if isinstance(outcome, Malformed):
                logger.warning("ingest: dead-lettered %s: %s", message.source_id, outcome)
                await self.source.dead_letter(message, reason=outcome.reason, detail=outcome.detail)
                metrics.INGEST_DEAD_LETTERED.labels(source, outcome.reason).inc()
                continue
            await self.source.ack(message)
            metrics.INGEST_PROCESSED.labels(source).inc()
            if not outcome:
                metrics.INGEST_DUPLICATES.labels(source).inc()

    async def _keep_in_hand(self, batch: list[BusMessage]) -> None:
        """While the database works on a batch, tell the bus it is still in hand: a batch
        slower than the ack wait would otherwise go to another consumer as well."""
        while True:
            await asyncio.sleep(self.source.ack_wait / 3)
            try:
                await self.source.keep_in_hand(batch)
            except Exception:  # the bus is away; at worst the batch is redelivered (deduped)
                logger.warning("ingest: could not keep a batch in hand", exc_info=True)

    async def _back_off(self) -> None:
        delay = RETRY_SECONDS[min(self.failures, len(RETRY_SECONDS) - 1)]
        self.failures += 1
        with contextlib.suppress(TimeoutError):  # woken early by a stop
            await asyncio.wait_for(self.stop.wait(), timeout=delay)

    async def _report_lag(self) -> None:
        if time.monotonic() - self._lag_checked < LAG_EVERY_SECONDS:
            return
        self._lag_checked = time.monotonic()
        try:
            lag = await self.source.lag()
        except Exception:  # a metric must not stop the consumer
            logger.warning("ingest: could not read the lag", exc_info=True)
            return
        if lag is not None:
            metrics.INGEST_LAG.labels(self.source.name).set(lag)
