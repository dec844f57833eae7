"""CPU per event of a node's channel-layer receiver, by the rate the events arrive at.

A node receives every event it delivers through channels_redis (`RedisPubSubChannelLayer`,
redis.asyncio underneath). This process joins one group as a node does and receives events
that a separate process publishes at a steady rate, one PUBLISH each, as requests do; it
reports its own CPU per event received. The same code costs far more per event at a low rate
than at a high one: at a low rate each event wakes the loop on its own, and on a virtual
machine each wake-up is expensive; at a high rate one wake-up reads several. The per-operation
figures of `bench.ops` (100 operations/s) are taken in the expensive regime.

    .venv/bin/python -m bench.wakeups --rates 100,300,1000,3000,10000 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time

from channels_redis.pubsub import RedisPubSubChannelLayer

from bench.common import print_table

GROUP = "ev.bench-wakeups"
PUBLISHER = """
import sys, time, redis
url, channel, rate, count = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
payload = sys.stdin.buffer.read()
client = redis.Redis.from_url(url)
time.sleep(0.5)  # the receiver is subscribed by now
started = time.perf_counter()
for i in range(count):
    client.publish(channel, payload)
    delay = started + (i + 1) / rate - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
"""


async def cpu_per_event(redis_url: str, rate: float, count: int) -> dict:
    prefix = f"bench-wakeups-{os.getpid()}"
    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=prefix)
    channel = await layer.new_channel("node.")
    await layer.group_add(GROUP, channel)
    payload = layer.serialize(
        {
            "type": "realtime.event",
            "channel": "user-1",
            "event_type": "typing",
            "data": '{"conversation_id": 1, "user_id": 2, "display_name": "Bench", "at": "now"}',
            "id": None,
            "published_at": time.time(),
        }
    )
    publisher = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PUBLISHER,
            redis_url,
            f"{prefix}__group__{GROUP}",
            str(rate),
            str(count),
        ],
        stdin=subprocess.PIPE,
    )
    publisher.stdin.write(payload)
    publisher.stdin.close()
    try:
        await layer.receive(channel)  # the first one starts the clock
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(count - 1):
            await layer.receive(channel)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        publisher.wait(timeout=30)
        await layer.flush()
    return {
        "rate": rate,
        "events": count - 1,
        "us_per_event": 1e6 * cpu / (count - 1),
        "seconds": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    parser.add_argument("--rates", default="100,300,1000,3000,10000", help="events per second")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per rate")
    args = parser.parse_args()
    rows = []
    for rate in (float(r) for r in args.rates.split(",")):
        result = asyncio.run(
            cpu_per_event(args.redis_url, rate, max(100, int(rate * args.seconds)))
        )
        rows.append((f"{rate:g}", result["events"], round(result["us_per_event"], 1)))
    print_table(
        "channel-layer receiver: CPU per event by arrival rate",
        ("events/s", "events", "CPU µs/event"),
        rows,
    )


if __name__ == "__main__":
    main()
