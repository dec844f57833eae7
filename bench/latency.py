"""End-to-end delivery latency: message POST -> arrival on the recipient's SSE stream.

`--pairs` pairs of users share a direct conversation; all of them stream (`/events/`) and all
of them send, `--rate` messages/s in total for `--duration` s. Prints p50/p95/p99/max, the POST
response time, lost and duplicated messages, and the CPU of server, client and machine.

    .venv/bin/python -m bench.latency --rate 200 --duration 30 --pairs 100
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bench import cli, seed
from bench.common import print_table
from bench.messaging import MessageBench, counts_rows, latency_rows

NAME = "latency"


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", type=int, default=100, help="conversations (2 users each)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for stragglers")
    parser.add_argument("--max-inflight", type=int, default=64, help="concurrent POSTs at most")
    parser.add_argument("--user-offset", type=int, default=0, help="first bench user index")
    parser.add_argument(
        "--senders", type=int, default=0, help="only this many users send (0: all of them)"
    )
    parser.add_argument(
        "--mixed", action="store_true", help="recipients ack delivered, then read, each message"
    )


def print_run(title: str, result: dict[str, Any]) -> None:
    print_table(title, ("", "p50", "p95", "p99", "max"), latency_rows(result))
    print_table(f"{title}: counts", ("", "value"), counts_rows(result))


async def run(args: argparse.Namespace, bench: MessageBench, deployment, stamp: str) -> dict:
    setup = await bench.setup()
    print(f"set up: {setup}")
    # Warm every server thread's database connection and code path; not measured.
    await bench.run(rate=min(args.rate, 50), duration=2, grace=5, label="warm-up")
    try:
        with cli.profiling(args.profile, deployment.pids, f"{NAME}-{stamp}") as profile:
            result = await bench.run(
                rate=args.rate, duration=args.duration, grace=args.grace, label="measured"
            )
    finally:
        await bench.teardown()
    return {"setup": setup, "result": result, "profile": profile}


def main() -> None:
    parser = cli.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second")
    add_load_arguments(parser)
    args = parser.parse_args()
    with cli.deployment_for(args) as deployment:
        data = cli.envelope(NAME, args, deployment)
        ids, tokens = seed.users_with_tokens(2 * args.pairs, offset=args.user_offset)
        bench = MessageBench(
            base_url=deployment.url,
            user_ids=ids,
            tokens=tokens,
            pairs=args.pairs,
            max_inflight=args.max_inflight,
            server_pids=deployment.pids,
            database_url=args.database_url,
            senders=args.senders,
            mixed=args.mixed,
        )
        data.update(asyncio.run(run(args, bench, deployment, data["started"])))
    print_run(f"latency at {args.rate:g} msg/s for {args.duration:g} s", data["result"])
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
