"""The real-time layer's figures in one run (issue 4), against one deployment:

1. delivery latency POST -> recipient's SSE at a fixed rate (200 msg/s for 30 s), lost/duplicated;
2. concurrent SSE streams one daphne process holds (ramp 1k, 5k, 10k, 20k...) and RSS per stream;
3. authenticated stream opens per second per process (a reconnect storm);
4. sustained delivered messages/s (rate stepped up until p99 >= 250 ms or a loss);
5. SQL round trips of appending one message event for a 500-member group.

Each part also runs on its own: bench.latency, bench.conns, bench.opens, bench.throughput,
bench.groups. `--only latency,conns` picks parts.

    .venv/bin/python -m bench.realtime --profile
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench import cli, conns, latency, opens, seed, throughput
from bench.common import print_table
from bench.messaging import MessageBench

NAME = "realtime"
PARTS = ("sql", "latency", "conns", "opens", "throughput")


def arguments() -> argparse.Namespace:
    parser = cli.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated: {PARTS}")
    parser.add_argument("--rate", type=float, default=200.0, help="latency: messages per second")
    parser.add_argument("--duration", type=float, default=30.0, help="latency/throughput seconds")
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("--max-inflight", type=int, default=64)
    parser.add_argument("--levels", default="1000,5000,10000,20000", help="conns: ramp levels")
    parser.add_argument("--hold", type=float, default=20.0, help="conns: seconds at each level")
    parser.add_argument("--storm-streams", type=int, default=5000, help="opens: streams")
    parser.add_argument("--storm-concurrency", type=int, default=0, help="opens: 0 = all at once")
    parser.add_argument("--rates", default="100,200,300,400,600,800,1000,1500,2000")
    parser.add_argument("--p99-ms", type=float, default=250.0)
    return parser.parse_args()


async def messaging_parts(args: argparse.Namespace, deployment, stamp: str, parts: set[str]):
    ids, tokens = await asyncio.to_thread(seed.users_with_tokens, 2 * args.pairs)
    bench = MessageBench(
        base_url=deployment.url,
        user_ids=ids,
        tokens=tokens,
        pairs=args.pairs,
        max_inflight=args.max_inflight,
        server_pids=deployment.pids,
        database_url=args.database_url,
    )
    results: dict[str, Any] = {"setup": await bench.setup()}
    try:
        await bench.run(rate=min(args.rate, 50), duration=2, grace=5, label="warm-up")
        if "latency" in parts:
            with cli.profiling(args.profile, deployment.pids, f"{NAME}-latency-{stamp}") as prof:
                results["latency"] = await bench.run(
                    rate=args.rate, duration=args.duration, grace=args.grace, label="latency"
                )
            results["latency"]["profile"] = prof
            await asyncio.sleep(3)
        if "throughput" in parts:
            results["throughput"] = await throughput.step_up(
                bench,
                [float(r) for r in args.rates.split(",")],
                duration=args.duration,
                grace=args.grace,
                p99_ms=args.p99_ms,
            )
    finally:
        await bench.teardown()
    return results


def sql_part() -> dict[str, Any]:
    ids = seed.ensure_users(500, offset=50000)
    return {"publish_500": seed.count_fanout_queries(ids)}


def summary_rows(data: dict[str, Any]) -> list[tuple]:
    rows = []
    if lat := data.get("latency"):
        ms = lat["latency_ms"]
        rows.append(
            (
                f"latency p50/p95/p99/max at {lat['target_rate']:g} msg/s",
                f"{ms.get('p50')} / {ms.get('p95')} / {ms.get('p99')} / {ms.get('max')} ms",
                "p99 <= 50 ms",
            )
        )
        rows.append(("lost / duplicated", f"{lat['lost']} / {lat['duplicates']}", "0 / 0"))
    if ramp := data.get("conns"):
        held = [r for r in ramp["levels"] if r["ok"]]
        kb = held[-1]["kb_per_stream"] if held else None
        rows.append(("streams held by one process", ramp["max_level_held"], ">= 10,000"))
        rows.append(("RSS per stream at that level", f"{kb} KB", "<= 40 KB"))
    if storm := data.get("opens"):
        rows.append(("authenticated stream opens/s", storm["opens_per_s"], ">= 1,000"))
    if steps := data.get("throughput"):
        rows.append(("sustained delivered msg/s", steps["sustained_delivered_per_s"], ">= 1,000"))
    if sql := data.get("sql"):
        rows.append(
            ("SQL round trips, 500-member append", sql["publish_500"]["round_trips"], "O(1)")
        )
    return rows


def main() -> None:
    args = arguments()
    parts = set(args.only.split(","))
    with cli.deployment_for(args) as deployment:
        data = cli.envelope(NAME, args, deployment)
        stamp = args.stamp = data["started"]
        if "sql" in parts:
            data["sql"] = sql_part()
        if "conns" in parts:
            # First, so that the RSS baseline is a fresh process's.
            # Not profiled: the ramp is long and mostly idle.
            ramp_args = argparse.Namespace(
                **{
                    **vars(args),
                    "profile": False,
                    "concurrency": 200,
                    "client_procs": 0,
                    "user_offset": 1000,
                }
            )
            data["conns"] = conns.run(ramp_args, deployment)
        if "opens" in parts:
            time.sleep(3)
            storm_args = argparse.Namespace(
                **{
                    **vars(args),
                    "streams": args.storm_streams,
                    "concurrency": args.storm_concurrency,
                    "client_procs": 2,
                    "user_offset": 30000,
                }
            )
            data["opens"] = opens.run(storm_args, deployment)
        if parts & {"latency", "throughput"}:
            time.sleep(3)
            data.update(asyncio.run(messaging_parts(args, deployment, stamp, parts)))
    if "latency" in data:
        latency.print_run(f"(1) latency at {args.rate:g} msg/s", data["latency"])
    if "conns" in data:
        conns.print_ramp(data["conns"])
    if "opens" in data:
        opens.print_storm(data["opens"])
    if "throughput" in data:
        throughput.print_steps(data["throughput"])
    print_table(
        "summary against the targets (issue 4)", ("", "measured", "target"), summary_rows(data)
    )
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
