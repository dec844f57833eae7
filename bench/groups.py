"""Fan-out of a group message: POST one message to a 500-member group and time its arrival on
every other member's SSE stream (first, median, last).

All members stream; the owner sends `--messages` messages one after another, each after the
previous one reached everybody (or `--timeout` passed) and `--interval` s of quiet. Also counts,
in-process and rolled back, the SQL round trips of the fan-out append (`realtime.publish` to
500 user channels) and of the whole send action for this group.

    .venv/bin/python -m bench.groups --members 500 --messages 10
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections import Counter
from typing import Any

from bench import cli, seed
from bench.common import (
    Stream,
    close_all,
    make_session,
    open_many,
    post_json,
    print_table,
    summarize,
)
from bench.messaging import CLIENT_ID_KEY
from bench.procstats import CpuWindow

NAME = "groups"
GROUP_NAME = "bench fan-out {size}"
# Counted by type, to show what else a group's streams carry (presence, notifications...).
COUNTED = frozenset(
    {
        "message.new", "notification.new", "presence", "group.invite", "group.member_added",
        "stream-reset", "stream-reconnect",
    }
)  # fmt: skip


class FanOut:
    def __init__(self, base_url: str, users: list[tuple[int, str]], conversation_id: int | None):
        self.base_url = base_url.rstrip("/")
        self.users = users
        self.owner_id, self.owner_token = users[0]
        self.conversation_id = conversation_id
        self.arrivals: dict[str, dict[int, float]] = {}
        self.duplicates = 0
        self.streams: list[Stream] = []
        self.event_counts: Counter[str] = Counter()

    def on_event(self, stream: Stream, event_type: str, data: bytes, arrived: float) -> None:
        self.event_counts[event_type] += 1
        if event_type != "message.new":
            return
        start = data.find(CLIENT_ID_KEY)
        if start < 0:
            return
        start += len(CLIENT_ID_KEY)
        seen = self.arrivals.get(data[start : start + 36].decode())
        if seen is None:
            return  # not one of ours (an earlier run's straggler)
        if stream.user_id in seen:
            self.duplicates += 1
        else:
            seen[stream.user_id] = arrived

    async def create_group(self, session) -> None:
        if self.conversation_id:
            return
        status, body = await post_json(
            session,
            f"{self.base_url}/api/v1/groups",
            self.owner_token,
            {
                "name": GROUP_NAME.format(size=len(self.users)),
                "member_ids": [uid for uid, _ in self.users[1:]],
            },
        )
        if status != 201:
            raise RuntimeError(f"POST /api/v1/groups -> {status}: {body}")
        self.conversation_id = body["conversation_id"]

    async def settle(self, *, quiet: float = 2.0, limit: float = 120.0) -> float:
        """Wait until no frame arrived for `quiet` s (presence and invites of a fresh group)."""
        began = time.perf_counter()
        last_total, last_change = -1, time.perf_counter()
        while time.perf_counter() - began < limit:
            total = sum(s.frames for s in self.streams)
            if total != last_total:
                last_total, last_change = total, time.perf_counter()
            elif time.perf_counter() - last_change >= quiet:
                break
            await asyncio.sleep(0.2)
        return time.perf_counter() - began

    async def send_one(self, session, *, timeout: float) -> dict[str, Any]:
        client_id = str(uuid.uuid4())
        seen: dict[int, float] = {}
        self.arrivals[client_id] = seen
        recipients = len(self.users) - 1
        started = time.perf_counter()
        status, _ = await post_json(
            session,
            f"{self.base_url}/api/v1/conversations/{self.conversation_id}/messages",
            self.owner_token,
            {"body": f"fan-out {client_id[:8]}", "client_id": client_id},
        )
        answered = time.perf_counter()
        deadline = started + timeout
        while sum(1 for uid in seen if uid != self.owner_id) < recipients:
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.005)
        others = sorted(t - started for uid, t in seen.items() if uid != self.owner_id)
        return {
            "status": status,
            "post_ms": round(1000 * (answered - started), 1),
            "received": len(others),
            "missing": recipients - len(others),
            "first_ms": round(1000 * others[0], 1) if others else None,
            "median_ms": round(1000 * others[len(others) // 2], 1) if others else None,
            "last_ms": round(1000 * others[-1], 1) if others else None,
            "deliveries_per_s": round(len(others) / others[-1], 1) if others else 0.0,
        }

    async def run(self, args: argparse.Namespace, pids: list[int], prefix: str) -> dict[str, Any]:
        session = make_session(limit=32)
        stream_session = make_session()
        try:
            await self.create_group(session)
            self.streams = [Stream(uid, token) for uid, token in self.users]
            began = time.perf_counter()
            await open_many(
                [stream_session],
                self.base_url,
                self.streams,
                concurrency=100,
                on_event=self.on_event,
                wanted=COUNTED,
            )
            opened_s = time.perf_counter() - began
            failed = [s for s in self.streams if not s.opened]
            if failed:
                raise RuntimeError(f"{len(failed)} member streams failed: {failed[0].error}")
            settled_s = await self.settle(limit=args.settle_limit)
            settle_events = dict(self.event_counts)
            self.event_counts.clear()
            await self.send_one(session, timeout=args.timeout)  # warm-up, not reported
            await asyncio.sleep(args.interval)
            runs = []
            with cli.profiling(args.profile, pids, prefix) as profile:
                window = CpuWindow(pids).start()
                for _ in range(args.messages):
                    runs.append(await self.send_one(session, timeout=args.timeout))
                    await asyncio.sleep(args.interval)
                cpu = window.stop()
            return {
                "members": len(self.users),
                "conversation_id": self.conversation_id,
                "streams_open_s": round(opened_s, 2),
                "settle_s": round(settled_s, 2),
                "events_while_opening_and_settling": settle_events,
                "events_while_measuring": dict(self.event_counts),
                "messages": runs,
                "duplicates": self.duplicates,
                "streams_dropped": sum(1 for s in self.streams if not s.alive),
                "fanout_last_ms": summarize([r["last_ms"] / 1000 for r in runs if r["last_ms"]]),
                "fanout_first_ms": summarize([r["first_ms"] / 1000 for r in runs if r["first_ms"]]),
                "post_ms": summarize([r["post_ms"] / 1000 for r in runs]),
                "missing_total": sum(r["missing"] for r in runs),
                "cpu": cpu,
                "server_cpu_ms_per_group_message": round(
                    1000 * cpu["server_cpu_s"] / max(1, len(runs)), 1
                ),
                "profile": profile,
            }
        finally:
            await close_all(self.streams)
            await session.close()
            await stream_session.close()


def sql_round_trips(user_ids: list[int], conversation_id: int) -> dict[str, Any]:
    return {
        "publish_500": seed.count_fanout_queries(user_ids),
        "send_action": seed.count_group_send_queries(
            conversation_id=conversation_id, author_id=user_ids[0]
        ),
    }


def print_fanout(result: dict[str, Any]) -> None:
    print_table(
        f"fan-out of one message to a {result['members']}-member group (POST -> member's SSE)",
        ("#", "POST ms", "first ms", "median ms", "last ms", "received", "missing", "deliv/s"),
        [
            (i + 1, r["post_ms"], r["first_ms"], r["median_ms"], r["last_ms"], r["received"],
             r["missing"], r["deliveries_per_s"])
            for i, r in enumerate(result["messages"])
        ],
    )  # fmt: skip
    last, first = result["fanout_last_ms"], result["fanout_first_ms"]
    sql = result.get("sql", {})
    print(f"streams opened in {result['streams_open_s']} s; quiet after {result['settle_s']} s")
    print(f"events while opening and settling: {result['events_while_opening_and_settling']}")
    print(f"events while measuring: {result['events_while_measuring']}")
    print_table(
        "fan-out summary",
        ("", "value"),
        [
            ("last member has it, p50 / max ms", f"{last.get('p50')} / {last.get('max')}"),
            ("first member has it, p50 / max ms", f"{first.get('p50')} / {first.get('max')}"),
            ("missing / duplicated", f"{result['missing_total']} / {result['duplicates']}"),
            ("server CPU %", result["cpu"]["server_cpu_pct"]),
            ("server CPU ms per group message", result["server_cpu_ms_per_group_message"]),
            ("SQL round trips: realtime.publish to 500 channels",
             sql.get("publish_500", {}).get("round_trips")),
            ("SQL round trips: whole group send action",
             sql.get("send_action", {}).get("round_trips")),
        ],
    )  # fmt: skip


def main() -> None:
    parser = cli.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0, help="quiet seconds between")
    parser.add_argument("--timeout", type=float, default=30.0, help="per message")
    parser.add_argument(
        "--settle-limit", type=float, default=300.0, help="max seconds to wait for quiet streams"
    )
    parser.add_argument("--user-offset", type=int, default=50000, help="first bench user index")
    args = parser.parse_args()
    with cli.deployment_for(args) as deployment:
        data = cli.envelope(NAME, args, deployment)
        ids, tokens = seed.users_with_tokens(args.members, offset=args.user_offset)
        existing = seed.existing_group_conversation(
            name=GROUP_NAME.format(size=args.members), owner_id=ids[0], size=args.members
        )
        fanout = FanOut(deployment.url, list(zip(ids, tokens, strict=True)), existing)
        prefix = f"{NAME}-{data['started']}"
        data["result"] = asyncio.run(fanout.run(args, deployment.pids, prefix))
        data["result"]["sql"] = sql_round_trips(ids, fanout.conversation_id)
    print_fanout(data["result"])
    cli.finish(NAME, data)


if __name__ == "__main__":
    main()
