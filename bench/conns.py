"""How many concurrent SSE streams one daphne process holds, and what each costs.

Ramps to each level of `--levels` (1k, 5k, 10k, 20k by default) with one authenticated stream
per user, holds it for `--hold` s and checks every stream is still open, then reads the
process's RSS and CPU from /proc. Stops at the first level that fails. RSS per stream is
(rss_at_level - rss_before) / level; idle CPU is the process's CPU over the hold (keep-alives
every SSE_HEARTBEAT_SECONDS, presence refresh, the event-log sweep); `--profile` records each
hold with py-spy and prints the last one.

    .venv/bin/python -m bench.conns --levels 1000,5000,10000,20000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench import cli, seed
from bench.common import print_table, summarize
from bench.pool import PER_WORKER, StreamPool
from bench.procstats import CpuWindow, rss_bytes
from bench.profile import print_summary

NAME = "conns"
WARM_UP = 10


def open_files_limit(pid: int) -> int | None:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    return None


def open_rate(result: dict[str, Any]) -> float:
    if not result["completions"]:
        return 0.0
    return result["opened"] / max(1e-9, result["completions"][-1] - result["began"])


def ramp(
    pool: StreamPool,
    pid: int,
    levels: list[int],
    *,
    hold: float,
    concurrency: int,
    profile_prefix: str | None = None,
) -> dict[str, Any]:
    """Open streams level by level; with `profile_prefix`, py-spy records each idle hold."""
    pool.open(WARM_UP, concurrency=concurrency)
    pool.close_streams()
    time.sleep(2)
    rss_before = rss_bytes(pid)
    rows: list[dict[str, Any]] = []
    for level in levels:
        print(f"ramping to {level:,} streams", flush=True)
        opening_window = CpuWindow([pid]).start()
        opened = pool.open(level - pool.held, concurrency=concurrency)
        opening = opening_window.stop()
        prefix = f"{profile_prefix}-{level}" if profile_prefix else ""
        with cli.profiling(bool(profile_prefix), [pid], prefix, show=False) as idle_profile:
            window = CpuWindow([pid]).start()
            time.sleep(hold)
            idle = window.stop()
        status = pool.status()
        rss = rss_bytes(pid)
        row = {
            "level": level,
            "opened_now": opened["opened"],
            "failed_now": opened["failed"],
            "errors": opened["errors"],
            "alive_after_hold": status["alive"],
            "closed": status["closed"],
            "rss_mb": round(rss / 2**20, 1),
            "kb_per_stream": round((rss - rss_before) / level / 1024, 1),
            "idle_cpu_pct": idle["server_cpu_pct"][str(pid)],
            "open_cpu_ms_per_stream": round(
                1000 * opening["server_cpu_s"] / max(1, opened["opened"]), 2
            ),
            "open_rate_per_s": round(open_rate(opened), 1),
            "open_ms": summarize(opened["open_seconds"]),
            "ok": opened["failed"] == 0 and status["alive"] == level,
            "idle_profile": idle_profile,
        }
        rows.append(row)
        print(
            f"  {level:,}: alive {status['alive']:,}, failed {opened['failed']:,} "
            f"{opened['errors'] or ''}, RSS {row['rss_mb']} MB, {row['kb_per_stream']} KB/stream",
            flush=True,
        )
        if not row["ok"]:
            break
    held = [r["level"] for r in rows if r["ok"]]
    return {
        "rss_before_mb": round(rss_before / 2**20, 1),
        "levels": rows,
        "max_level_held": max(held) if held else 0,
        "first_failed_level": next((r["level"] for r in rows if not r["ok"]), None),
    }


def print_ramp(result: dict[str, Any]) -> None:
    print_table(
        f"concurrent SSE streams on one daphne process (RSS before: {result['rss_before_mb']} MB)",
        (
            "level", "held", "failed", "RSS MB", "KB/stream", "idle CPU %", "opens/s",
            "open CPU ms", "open p50 ms", "open p99 ms", "ok",
        ),
        [
            (
                r["level"], r["alive_after_hold"], r["failed_now"], r["rss_mb"], r["kb_per_stream"],
                r["idle_cpu_pct"], r["open_rate_per_s"], r["open_cpu_ms_per_stream"],
                r["open_ms"].get("p50"),
                r["open_ms"].get("p99"), "yes" if r["ok"] else f"NO {r['errors'] or r['closed']}",
            )
            for r in result["levels"]
        ],
    )  # fmt: skip


def run(args: argparse.Namespace, deployment) -> dict[str, Any]:
    levels = sorted(int(x) for x in args.levels.split(","))
    node = deployment.nodes[0]
    # Slack: uneven splits over the workers may use a few more users than streams.
    ids, tokens = seed.users_with_tokens(levels[-1] + WARM_UP + 100, offset=args.user_offset)
    workers = args.client_procs or max(1, -(-levels[-1] // PER_WORKER))
    pool = StreamPool(node.url, list(zip(ids, tokens, strict=True)), workers=workers)
    try:
        result = ramp(
            pool,
            node.pid,
            levels,
            hold=args.hold,
            concurrency=args.concurrency,
            profile_prefix=f"{NAME}-{args.stamp}-idle" if args.profile else None,
        )
        pool.close_streams()
    finally:
        pool.shutdown()
    result.update(
        {
            "node": node.url,
            "pid": node.pid,
            "server_open_files_limit": open_files_limit(node.pid),
            "client_processes": workers,
        }
    )
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--levels", default="1000,5000,10000,20000")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds at each level")
    parser.add_argument("--concurrency", type=int, default=200, help="opens in flight per worker")
    parser.add_argument("--client-procs", type=int, default=0, help="0: one per 15,000 streams")
    parser.add_argument("--user-offset", type=int, default=1000, help="first bench user index")


def main() -> None:
    parser = cli.parser(__doc__.split("\n\n")[0])
    add_arguments(parser)
    args = parser.parse_args()
    with cli.deployment_for(args) as deployment:
        data = cli.envelope(NAME, args, deployment)
        args.stamp = data["started"]
        data["result"] = run(args, deployment)
    print_ramp(data["result"])
    profiled = [r for r in data["result"]["levels"] if r["idle_profile"]]
    if profiled:
        for key, summary in profiled[-1]["idle_profile"].items():
            print_summary(f"idle at {profiled[-1]['level']:,} streams, pid-mode {key}", summary)
    print(f"server open-files limit: {data['result']['server_open_files_limit']}")
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
