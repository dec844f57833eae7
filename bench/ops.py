"""Server CPU per hot operation: send, delivered ack, read ack, typing.

`--pairs` pairs of users share a direct conversation and all of them stream, so each
operation's cost includes delivering its events to the open streams. Each phase runs one
operation at `--rate` per second for `--duration` s: sends (every user sends to its partner),
then each recipient acks every message it received `delivered`, then `read` (one message per
ack, as a client on screen does), then typing. The figure is the server's CPU time over the
phase divided by the operations answered, and the same less the server's idle CPU (heartbeats,
sweeps) measured over an idle window just before.

    .venv/bin/python -m bench.ops --pairs 50 --rate 100 --duration 10
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from bench import cli, seed
from bench.common import (
    Stream,
    close_all,
    make_session,
    open_many,
    post_json,
    print_table,
    source_addresses,
    summarize,
)
from bench.procstats import CpuWindow

NAME = "ops"


class OpsBench:
    def __init__(self, *, base_url: str, ids: list[int], tokens: list[str], pids: list[int]):
        self.base_url = base_url.rstrip("/")
        self.tokens = dict(zip(ids, tokens, strict=True))
        self.pairs = [(ids[2 * i], ids[2 * i + 1]) for i in range(len(ids) // 2)]
        self.pids = pids
        self.conversations: dict[tuple[int, int], int] = {}
        self.received: list[tuple[int, int, int]] = []  # (recipient, conversation, message id)
        self.streams: list[Stream] = []

    async def setup(self) -> None:
        self.session = make_session(limit=256)
        self.stream_sessions = [
            make_session(local_addr=a) for a in source_addresses(len(self.tokens))
        ]
        for a, b in self.pairs:
            status, body = await post_json(
                self.session,
                f"{self.base_url}/api/v1/conversations",
                self.tokens[a],
                {"user_id": b},
            )
            assert status in (200, 201), (status, body)
            self.conversations[(a, b)] = body["id"]
        self.streams = [Stream(uid, token) for uid, token in self.tokens.items()]
        await open_many(
            self.stream_sessions,
            self.base_url,
            self.streams,
            concurrency=100,
            on_event=self._on_event,
            wanted=frozenset({"message.new"}),
        )

    def _on_event(self, stream: Stream, event_type: str, data: bytes, arrived: float) -> None:
        message = json.loads(data)["message"]
        if message["author"]["id"] != stream.user_id:
            self.received.append((stream.user_id, message["conversation_id"], message["id"]))

    async def teardown(self) -> None:
        await close_all(self.streams)
        for session in [self.session, *self.stream_sessions]:
            await session.close()

    async def phase(
        self, name: str, requests: list[tuple[int, str, dict | None]], rate: float
    ) -> dict[str, Any]:
        """POST each (user, path, body) at `rate`/s; returns the phase's figures."""
        statuses: Counter = Counter()
        times: list[float] = []
        window = CpuWindow(self.pids).start()
        began = time.perf_counter()
        tasks = []

        async def one(user: int, path: str, body: dict | None) -> None:
            started = time.perf_counter()
            status, _ = await post_json(
                self.session, f"{self.base_url}{path}", self.tokens[user], body or {}
            )
            times.append(time.perf_counter() - started)
            statuses[status] += 1

        for index, (user, path, body) in enumerate(requests):
            delay = began + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(user, path, body)))
        await asyncio.gather(*tasks)
        await asyncio.sleep(0.5)  # the events of the last requests reach their streams
        cpu = window.stop()
        answered = sum(statuses.values())
        return {
            "operation": name,
            "requests": answered,
            "statuses": dict(statuses),
            "server_cpu_s": cpu["server_cpu_s"],
            "seconds": cpu["seconds"],
            "cpu_ms_per_op": round(1000 * cpu["server_cpu_s"] / max(1, answered), 3),
            "response_ms": summarize(times),
        }

    async def idle_cpu_per_second(self, seconds: float) -> float:
        window = CpuWindow(self.pids).start()
        await asyncio.sleep(seconds)
        cpu = window.stop()
        return cpu["server_cpu_s"] / max(1e-9, cpu["seconds"])

    def sends(self, count: int) -> list[tuple[int, str, dict]]:
        out = []
        for index in range(count):
            a, b = self.pairs[index % len(self.pairs)]
            author = a if (index // len(self.pairs)) % 2 == 0 else b
            path = f"/api/v1/conversations/{self.conversations[(a, b)]}/messages"
            out.append((author, path, {"body": f"ops {index}", "client_id": str(uuid.uuid4())}))
        return out

    def acks(self, kind: str) -> list[tuple[int, str, dict]]:
        ordered = sorted(self.received, key=lambda item: item[2])
        return [
            (user, f"/api/v1/conversations/{conversation}/{kind}", {"up_to": message_id})
            for user, conversation, message_id in ordered
        ]

    def typings(self, count: int) -> list[tuple[int, str, None]]:
        return [
            (a, f"/api/v1/conversations/{self.conversations[(a, b)]}/typing", None)
            for index in range(count)
            for a, b in [self.pairs[index % len(self.pairs)]]
        ]


async def run(args, bench: OpsBench) -> dict[str, Any]:
    await bench.setup()
    count = int(args.rate * args.duration)
    try:
        await bench.phase("warm-up", bench.sends(min(200, count)), args.rate)
        bench.received.clear()
        idle = await bench.idle_cpu_per_second(args.idle)
        phases: list[tuple[str, Callable[[], list]]] = [
            ("send", lambda: bench.sends(count)),
            ("delivered", lambda: bench.acks("delivered")),
            ("read", lambda: bench.acks("read")),
            ("typing", lambda: bench.typings(count)),
        ]
        results = []
        for name, requests in phases:
            if args.only and name not in args.only.split(",") and name not in ("send",):
                continue
            with cli.profiling(args.profile, bench.pids, f"{NAME}-{name}", show=args.profile):
                result = await bench.phase(name, requests(), args.rate)
            idle_ms = 1000 * idle * result["seconds"] / max(1, result["requests"])
            result["cpu_ms_per_op_less_idle"] = round(result["cpu_ms_per_op"] - idle_ms, 3)
            results.append(result)
    finally:
        await bench.teardown()
    return {"idle_server_cpu_pct": round(100 * idle, 1), "phases": results}


def main() -> None:
    parser = cli.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0, help="operations per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per operation")
    parser.add_argument("--idle", type=float, default=5.0, help="seconds of idle measurement")
    parser.add_argument("--only", default="", help="phases to run, e.g. typing (sends always run)")
    args = parser.parse_args()
    with cli.deployment_for(args) as deployment:
        data = cli.envelope(NAME, args, deployment)
        ids, tokens = seed.users_with_tokens(2 * args.pairs)
        bench = OpsBench(base_url=deployment.url, ids=ids, tokens=tokens, pids=deployment.pids)
        data["result"] = asyncio.run(run(args, bench))
    result = data["result"]
    print_table(
        f"server CPU per operation, {args.pairs} pairs streaming, {args.rate:g}/s "
        f"(idle server {result['idle_server_cpu_pct']} %)",
        ("operation", "requests", "statuses", "CPU ms/op", "less idle", "p50 ms", "p99 ms"),
        [
            (
                phase["operation"],
                phase["requests"],
                json.dumps(phase["statuses"]),
                phase["cpu_ms_per_op"],
                phase["cpu_ms_per_op_less_idle"],
                phase["response_ms"].get("p50"),
                phase["response_ms"].get("p99"),
            )
            for phase in result["phases"]
        ],
    )
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
