import asyncio
import logging
import os
import signal
import socket

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from prometheus_client import start_http_server

from realtime.ingest.consumer import Consumer, Limits
from realtime.ingest.sources import source_for_url

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Consume events from a message bus and publish them to Parley's streams: "
        "--source nats://host:4222?stream=…&subject=…&durable=… (JetStream) or "
        "redis://host:6379/0?stream=…&group=… (Streams). Each message is JSON "
        "{id, event, data} with one of topic, user_ids or broadcast: true; each id is "
        "delivered once. Malformed messages go to the dead letter. Run several to share "
        "the work; SIGTERM finishes the message in hand and stops."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", default=settings.INGEST_SOURCE, help="bus URL (default INGEST_SOURCE)"
        )
        parser.add_argument(
            "--consumer",
            default=settings.INGEST_CONSUMER_NAME,
            help="this process's consumer name in a Redis group (default host-pid)",
        )
        parser.add_argument("--batch-size", type=int, default=settings.INGEST_BATCH_SIZE)
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=settings.INGEST_METRICS_PORT,
            help="serve Prometheus metrics on this port (0: off)",
        )

    def handle(
        self, *args, source: str, consumer: str, batch_size: int, metrics_port: int, **options
    ) -> None:
        if not source:
            raise CommandError("give --source (or set INGEST_SOURCE)")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            bus = source_for_url(
                source,
                consumer=consumer or f"{socket.gethostname()}-{os.getpid()}",
                ack_wait=settings.INGEST_ACK_WAIT_SECONDS,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if metrics_port:
            start_http_server(metrics_port)
        limits = Limits(
            batch_size=batch_size,
            max_message_bytes=settings.INGEST_MAX_MESSAGE_BYTES,
            max_user_ids=settings.INGEST_MAX_USER_IDS,
        )
        asyncio.run(self.consume(bus, limits))

    async def consume(self, bus, limits: Limits) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        self.stdout.write(f"ingest: consuming {bus!r}")
        self.stdout.flush()
        await Consumer(bus, limits=limits, stop=stop).run()
