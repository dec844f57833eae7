"""Highest sustained message rate: steps the send rate up (`--rates`) and keeps the highest
one held for `--duration` s with delivery p99 under `--p99-ms` and nothing lost.

A step fails when any accepted message is lost, the p99 goes over the limit, a POST fails,
or the server answers so slowly that the client would need more than `--max-inflight` POSTs
in flight (the step then cannot send at its rate). Stepping stops at the first failure.

    .venv/bin/python -m bench.throughput --rates 100,200,400,600,800,1000 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bench import cli, seed
from bench.common import print_table
from bench.latency import add_load_arguments
from bench.messaging import MessageBench

NAME = "throughput"


def verdict(result: dict[str, Any], *, p99_ms: float) -> list[str]:
    """Why a step failed (empty: it passed)."""
    reasons = []
    if result["lost"]:
        reasons.append(f"lost {result['lost']}")
    if result["duplicates"]:
        reasons.append(f"duplicated {result['duplicates']}")
    if result["errors"]:
        reasons.append(f"errors {result['errors']}")
    if result.get("shed_503"):
        reasons.append(f"{result['shed_503']} shed (503)")
    if result["skipped_client_backlog"]:
        reasons.append(f"{result['skipped_client_backlog']} not sent (server too slow)")
    p99 = result["latency_ms"].get("p99", float("inf"))
    if not p99 <= p99_ms:
        reasons.append(f"p99 {p99} ms")
    if result["achieved_send_rate"] < 0.95 * result["target_rate"]:
        reasons.append(f"sent only {result['achieved_send_rate']}/s")
    return reasons


async def step_up(
    bench: MessageBench, rates: list[float], *, duration: float, grace: float, p99_ms: float
) -> dict[str, Any]:
    steps = []
    best = None
    for rate in rates:
        print(f"step: {rate:g} msg/s for {duration:g} s", flush=True)
        result = await bench.run(rate=rate, duration=duration, grace=grace, label=f"{rate:g}/s")
        result["failed_because"] = verdict(result, p99_ms=p99_ms)
        steps.append(result)
        lat = result["latency_ms"]
        print(
            f"  delivered {result['delivered_per_s']}/s p50 {lat.get('p50')} p99 {lat.get('p99')}"
            f" ms lost {result['lost']} {result['failed_because'] or 'ok'}",
            flush=True,
        )
        if result["failed_because"]:
            break
        best = result
        await asyncio.sleep(3)  # let queues drain between steps
    return {
        "p99_limit_ms": p99_ms,
        "steps": steps,
        "highest_passing_rate": best["target_rate"] if best else None,
        "sustained_delivered_per_s": best["delivered_per_s"] if best else None,
    }


def print_steps(result: dict[str, Any]) -> None:
    print_table(
        f"throughput steps (pass: p99 < {result['p99_limit_ms']:g} ms, nothing lost)",
        ("rate/s", "sent/s", "delivered/s", "p50 ms", "p99 ms", "max ms", "lost", "server CPU %",
         "verdict"),
        [
            (s["target_rate"], s["achieved_send_rate"], s["delivered_per_s"],
             s["latency_ms"].get("p50"), s["latency_ms"].get("p99"), s["latency_ms"].get("max"),
             s["lost"], "/".join(str(v) for v in s["cpu"]["server_cpu_pct"].values()),
             "; ".join(s["failed_because"]) or "pass")
            for s in result["steps"]
        ],
    )  # fmt: skip
    print(
        f"highest sustained rate: {result['highest_passing_rate']} msg/s "
        f"({result['sustained_delivered_per_s']} delivered/s)"
    )


async def run(args: argparse.Namespace, bench: MessageBench, deployment, stamp: str) -> dict:
    setup = await bench.setup()
    await bench.run(rate=50, duration=2, grace=5, label="warm-up")
    rates = [float(r) for r in args.rates.split(",")]
    try:
        with cli.profiling(args.profile, deployment.pids, f"{NAME}-{stamp}") as profile:
            result = await step_up(
                bench, rates, duration=args.duration, grace=args.grace, p99_ms=args.p99_ms
            )
    finally:
        await bench.teardown()
    return {"setup": setup, "result": result, "profile": profile}


def main() -> None:
    parser = cli.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="100,200,300,400,600,800,1000,1500,2000")
    parser.add_argument("--p99-ms", type=float, default=250.0)
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
    print_steps(data["result"])
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
