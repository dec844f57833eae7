"""Real buses and real `manage.py ingest` processes for the ingest tests.

`bus` is parametrized over a private `nats-server -js` and a private `redis-server`, each on a
spare port, so every scenario runs against both sources. `ingest(...)` starts the command as
its own process (SIGTERM and SIGKILL are real), on the test database and Redis.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from realtime import user_channel
from realtime.models import StoredEvent
from tests.servers import (
    LOCALHOST,
    PROJECT_ROOT,
    _wait_for_port,
    database_url_from_settings,
    free_port,
    log_tail,
    metric_sum,
)
from tests.waiting import wait_until

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
ACK_WAIT_SECONDS = "2"  # how soon a killed consumer's messages go to another one


class NatsBus:
    """A private JetStream server; publishes and reads with nats-py, as producers would."""

    name = "nats"

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.store = tmp_path / f"nats-{self.port}"
        self.log_path = tmp_path / f"nats-{self.port}.log"
        self.url = f"nats://{LOCALHOST}:{self.port}?stream=TEST_INGEST&subject=test.ingest.>"
        self.process: subprocess.Popen | None = None

    def start(self) -> NatsBus:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [NATS_SERVER, "-js", "-a", LOCALHOST, "-p", str(self.port), "-sd", str(self.store)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        _wait_for_port(
            self.port, timeout=10, alive=lambda: self.process.poll() is None, what="nats-server"
        )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    async def _with_jetstream(self, work):
        import nats

        connection = await nats.connect(f"nats://{LOCALHOST}:{self.port}")
        try:
            return await work(connection.jetstream())
        finally:
            await connection.close()

    def publish(self, bodies: list[bytes]) -> None:
        async def work(jetstream):
            try:
                await jetstream.stream_info("TEST_INGEST")
            except Exception:
                await jetstream.add_stream(name="TEST_INGEST", subjects=["test.ingest.>"])
            for body in bodies:
                await jetstream.publish("test.ingest.events", body)

        asyncio.run(self._with_jetstream(work))

    def dead_letters(self) -> list[tuple[str, bytes]]:
        async def work(jetstream):
            subscription = await jetstream.subscribe(
                "parley.ingest-dead", stream="TEST_INGEST_DEAD", ordered_consumer=True
            )
            found = []
            while True:
                try:
                    message = await subscription.next_msg(timeout=1)
                except Exception:
                    return found
                found.append((message.headers["Parley-Dead-Letter-Reason"], message.data))

        return asyncio.run(self._with_jetstream(work))


class RedisBus:
    """A private redis-server as the bus (the app's own Redis stays REDIS_URL)."""

    name = "redis"

    def __init__(self, tmp_path: Path) -> None:
        from tests.servers import RedisServer

        self.server = RedisServer(log_dir=tmp_path)
        self.url = f"{self.server.url}?stream=test:ingest&group=test-ingest"

    def start(self) -> RedisBus:
        self.server.start()
        self.client = redis.Redis.from_url(self.server.url)
        return self

    def stop(self) -> None:
        self.client.close()
        self.server.stop()

    def publish(self, bodies: list[bytes]) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for body in bodies:
            pipeline.xadd("test:ingest", {"message": body})
        pipeline.execute()

    def dead_letters(self) -> list[tuple[str, bytes]]:
        return [
            (fields[b"reason"].decode(), fields[b"message"])
            for _, fields in self.client.xrange("test:ingest:dead")
        ]


@pytest.fixture(params=["nats", "redis"])
def bus(request, tmp_path: Path):
    if request.param == "nats" and not os.access(NATS_SERVER, os.X_OK):
        pytest.skip("nats-server is not installed (scripts/services.sh installs it)")
    server = (NatsBus if request.param == "nats" else RedisBus)(tmp_path).start()
    yield server
    server.stop()


@dataclass
class IngestProcess:
    process: subprocess.Popen
    log_path: Path
    metrics_port: int

    def metric(self, name: str) -> float:
        """The sum of a series over its labels, from this process's /metrics."""
        body = httpx.get(f"http://{LOCALHOST}:{self.metrics_port}/metrics", timeout=5).text
        return metric_sum(body, name)

    def wait_metrics(self, timeout: float = 30) -> IngestProcess:
        def serving() -> bool:
            assert self.process.poll() is None, f"ingest exited:\n{log_tail(self.log_path)}"
            try:
                self.metric("parley_ingest_processed_total")
            except httpx.TransportError:
                return False
            return True

        wait_until(
            serving,
            what=lambda: f"ingest to serve metrics:\n{log_tail(self.log_path)}",
            timeout=timeout,
        )
        return self

    def terminate(self, timeout: float = 15) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def ingest(transactional_db, bus, tmp_path: Path) -> Iterator[Callable[..., IngestProcess]]:
    """`ingest(name, **env) -> IngestProcess`: `manage.py ingest --source <bus>` running."""
    started: list[IngestProcess] = []
    database_url = database_url_from_settings()

    def start(name: str, **env_overrides: str) -> IngestProcess:
        port = free_port()
        log_path = tmp_path / f"ingest-{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "INGEST_ACK_WAIT_SECONDS": ACK_WAIT_SECONDS,
            "INGEST_METRICS_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            **env_overrides,
        }
        env.pop("PYTEST_CURRENT_TEST", None)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", "ingest", "--source", bus.url],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        started.append(IngestProcess(process, log_path, port))
        return started[-1].wait_metrics()

    yield start
    for consumer in started:
        if consumer.process.poll() is None:
            consumer.kill()


def bus_message(number: int, *, user_id: int, **extra) -> bytes:
    return json.dumps(
        {
            "id": f"m-{number}",
            "event": "order.shipped",
            "data": {"n": number},
            "user_ids": [user_id],
        }
        | extra
    ).encode()


def delivered_numbers(user_id: int) -> list[int]:
    """`data.n` of every ingested event on the user's channel, in the channel's order."""
    rows = StoredEvent.objects.filter(channel=user_channel(user_id), type="topic.message")
    return [
        json.loads(data)["data"]["n"]
        for data in rows.order_by("seq").values_list("data", flat=True)
    ]


def wait_for_count(user_id: int, count: int, *, timeout: float = 60) -> list[int]:
    """The delivered numbers, once there are at least `count` of them."""

    def enough() -> list[int] | None:
        numbers = delivered_numbers(user_id)
        return numbers if len(numbers) >= count else None

    return wait_until(
        enough,
        what=lambda: f"{count} events for user {user_id}, not {len(delivered_numbers(user_id))}",
        timeout=timeout,
        interval=0.2,
    )
