"""Reconnect storm: authenticated stream opens per second on one daphne process.

Opens `--streams` streams with distinct users' tokens as fast as the server takes them (as
after a node loss, when its users come back through the others) and counts completed opens per
second. An open is complete when `stream-open` arrives: token checked, channels read, listener
attached, position read. `--concurrency` bounds the opens in flight per client process (0: all
at once, a true storm; the listen backlog then matters, see `--backlog`).

    .venv/bin/python -m bench.opens --streams 5000 --concurrency 0 --profile
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

from bench import cli, seed
from bench.common import print_table, summarize
from bench.pool import StreamPool
from bench.procstats import CpuWindow

NAME = "opens"
WARM_UP = 10


def storm(
    pool: StreamPool, pid: int, *, streams: int, concurrency: int, profile: bool, prefix: str
) -> dict[str, Any]:
    pool.open(WARM_UP, concurrency=10)
    pool.close_streams()
    time.sleep(2)
    with cli.profiling(profile, [pid], prefix) as profiled:
        window = CpuWindow([pid], client_pids=[p.pid for p in pool.processes]).start()
        result = pool.open(streams, concurrency=concurrency, timeout=120)
        cpu = window.stop()
    completions = result["completions"]
    began = result["began"]
    elapsed = (completions[-1] - began) if completions else 0.0
    per_second = Counter(int(t - began) for t in completions)
    status = pool.status()
    closing = time.monotonic()
    pool.close_streams()
    return {
        "streams": streams,
        "concurrency_per_client_process": concurrency,
        "client_processes": pool.workers,
        "opened": result["opened"],
        "failed": result["failed"],
        "errors": result["errors"],
        "seconds": round(elapsed, 2),
        "opens_per_s": round(result["opened"] / max(1e-9, elapsed), 1),
        "peak_opens_in_one_s": max(per_second.values()) if per_second else 0,
        "opens_by_second": [per_second.get(s, 0) for s in range(int(elapsed) + 1)],
        "open_ms": summarize(result["open_seconds"]),
        "server_cpu_ms_per_open": round(1000 * cpu["server_cpu_s"] / max(1, result["opened"]), 2),
        "alive_after": status["alive"],
        "close_all_s": round(time.monotonic() - closing, 2),
        "cpu": cpu,
        "profile": profiled,
    }


def print_storm(result: dict[str, Any]) -> None:
    latency = result["open_ms"]
    open_ms = f"{latency.get('p50')} / {latency.get('p99')} / {latency.get('max')}"
    in_flight = result["concurrency_per_client_process"] or "all"
    print_table(
        "reconnect storm: authenticated stream opens on one daphne process",
        ("", "value"),
        [
            ("streams requested", result["streams"]),
            ("opens in flight per client process", in_flight),
            ("client processes", result["client_processes"]),
            ("opened", result["opened"]),
            ("failed", f"{result['failed']} {result['errors'] or ''}"),
            ("seconds to open all", result["seconds"]),
            ("opens/s", result["opens_per_s"]),
            ("peak opens in one second", result["peak_opens_in_one_s"]),
            ("open time p50 / p99 / max ms", open_ms),
            ("server CPU %", next(iter(result["cpu"]["server_cpu_pct"].values()))),
            ("server CPU ms per open", result["server_cpu_ms_per_open"]),
            ("client CPU % (all client processes)", result["cpu"]["client_cpu_pct"]),
            ("machine busy % (2 cores = 100)", result["cpu"]["machine_busy_pct"]),
        ],
    )  # fmt: skip


def run(args: argparse.Namespace, deployment) -> dict[str, Any]:
    node = deployment.nodes[0]
    ids, tokens = seed.users_with_tokens(args.streams + WARM_UP + 100, offset=args.user_offset)
    pool = StreamPool(node.url, list(zip(ids, tokens, strict=True)), workers=args.client_procs)
    try:
        result = storm(
            pool,
            node.pid,
            streams=args.streams,
            concurrency=args.concurrency,
            profile=args.profile,
            prefix=f"{NAME}-{args.stamp}",
        )
    finally:
        pool.shutdown()
    result.update({"node": node.url, "pid": node.pid})
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--streams", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=0, help="per client process; 0: all")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--user-offset", type=int, default=30000, help="first bench user index")


def main() -> None:
    parser = cli.parser(__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    with cli.deployment_for(args) as deployment:
        data = cli.envelope(NAME, args, deployment)
        args.stamp = data["started"]
        data["result"] = run(args, deployment)
    print_storm(data["result"])
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
