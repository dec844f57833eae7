"""Message load shared by latency, throughput and realtime: pairs of users in direct
conversations, every user streaming, messages POSTed at a fixed rate from all of them.

Each message gets a fresh `client_id`; its POST start time is noted before the request goes
out, and its arrival is taken from the recipient's SSE stream. Delivery latency is arrival minus
POST start, on this process's monotonic clock. A message the server accepted (201) that never
reaches its recipient within the grace period is lost; a second arrival is a duplicate.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.common import (
    Stream,
    close_all,
    make_session,
    open_many,
    post_json,
    source_addresses,
    summarize,
)
from bench.procstats import CpuWindow, db_sessions

CLIENT_ID_KEY = b'"client_id":"'
WANTED = frozenset({"message.new"})


@dataclass
class Pair:
    a: int
    b: int
    conversation_id: int = 0


@dataclass
class Sent:
    started: float
    recipient: int
    status: int = 0
    answered: float = 0.0


@dataclass
class RunState:
    sent: dict[str, Sent] = field(default_factory=dict)
    arrivals: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    own_copies: int = 0
    unexpected: int = 0
    skipped: int = 0
    send_lag: list[float] = field(default_factory=list)
    shed: int = 0
    acks: Counter = field(default_factory=Counter)
    ack_times: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)


class MessageBench:
    """Streams and conversations set up once; `run(rate, duration)` may be called repeatedly."""

    def __init__(
        self,
        *,
        base_url: str,
        user_ids: list[int],
        tokens: list[str],
        pairs: int,
        max_inflight: int = 64,
        open_concurrency: int = 200,
        server_pids: list[int] | None = None,
        database_url: str | None = None,
        senders: int = 0,
        mixed: bool = False,
    ) -> None:
        if len(user_ids) < 2 * pairs:
            raise ValueError("need two users per pair")
        self.base_url = base_url.rstrip("/")
        self.tokens = dict(zip(user_ids, tokens, strict=True))
        self.pairs = [Pair(user_ids[2 * i], user_ids[2 * i + 1]) for i in range(pairs)]
        # With `senders`, only that many users send (one per pair, to its partner); every
        # user still streams. `mixed`: each recipient acks delivered, then read, as the web
        # app does for a message on screen.
        self.senders = senders
        self.mixed = mixed
        self.stream_users = user_ids
        self.max_inflight = max_inflight
        self.open_concurrency = open_concurrency
        self.server_pids = server_pids or []
        self.database_url = database_url
        self.streams: list[Stream] = []
        self.state = RunState()
        self._acking: set[asyncio.Task] = set()
        self.sessions: list[aiohttp.ClientSession] = []
        self.post_session: aiohttp.ClientSession | None = None

    # --- set-up ------------------------------------------------------------------------

    async def setup(self) -> dict[str, Any]:
        self.post_session = make_session(limit=self.max_inflight)
        self.sessions = [
            make_session(local_addr=a) for a in source_addresses(len(self.stream_users))
        ]
        started = time.perf_counter()
        await self._open_conversations()
        conversations_s = time.perf_counter() - started
        self.streams = [Stream(uid, self.tokens[uid]) for uid in self.stream_users]
        started = time.perf_counter()
        await open_many(
            self.sessions,
            self.base_url,
            self.streams,
            concurrency=self.open_concurrency,
            on_event=self._on_event,
            wanted=WANTED,
        )
        failed = [s for s in self.streams if not s.opened]
        if failed:
            reasons = Counter(s.error for s in failed)
            raise RuntimeError(f"{len(failed)} streams failed to open: {dict(reasons)}")
        return {
            "pairs": len(self.pairs),
            "streams": len(self.streams),
            "conversations_setup_s": round(conversations_s, 2),
            "streams_open_s": round(time.perf_counter() - started, 2),
        }

    async def _open_conversations(self) -> None:
        limit = asyncio.Semaphore(16)
        url = f"{self.base_url}/api/v1/conversations"

        async def one(pair: Pair) -> None:
            for _attempt in range(20):  # a node that sheds (503) is retried, as clients do
                async with limit:
                    status, body = await post_json(
                        self.post_session, url, self.tokens[pair.a], {"user_id": pair.b}
                    )
                if status != 503:
                    break
                await asyncio.sleep(0.5)
            if status not in (200, 201):
                raise RuntimeError(f"POST /api/v1/conversations -> {status}: {body}")
            pair.conversation_id = body["id"]

        await asyncio.gather(*(one(p) for p in self.pairs))

    async def teardown(self) -> None:
        await close_all(self.streams)
        for session in [*self.sessions, self.post_session]:
            if session is not None:
                await session.close()

    # --- receiving ---------------------------------------------------------------------

    def _on_event(self, stream: Stream, event_type: str, data: bytes, arrived: float) -> None:
        start = data.find(CLIENT_ID_KEY)
        if start >= 0:
            start += len(CLIENT_ID_KEY)
            client_id = data[start : start + 36].decode()
        else:  # not the compact encoding: parse it properly
            client_id = json.loads(data)["message"]["client_id"]
        state = self.state
        sent = state.sent.get(client_id)
        if sent is None:
            state.unexpected += 1
        elif stream.user_id != sent.recipient:
            state.own_copies += 1
        elif client_id in state.arrivals:
            state.duplicates += 1
        else:
            state.arrivals[client_id] = arrived
            if self.mixed:
                message = json.loads(data)["message"]
                task = asyncio.create_task(
                    self._ack(stream.user_id, message["conversation_id"], message["id"])
                )
                self._acking.add(task)
                task.add_done_callback(self._acking.discard)

    async def _ack(self, user_id: int, conversation_id: int, message_id: int) -> None:
        state = self.state
        base = f"{self.base_url}/api/v1/conversations/{conversation_id}"
        for kind in ("delivered", "read"):
            started = time.perf_counter()
            try:
                status, _ = await post_json(
                    self.post_session, f"{base}/{kind}", self.tokens[user_id], {"up_to": message_id}
                )
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                status = 0
                state.errors[f"{kind} {type(exc).__name__}"] += 1
            state.ack_times.append(time.perf_counter() - started)
            state.acks[f"{kind} {status}"] += 1

    # --- sending -----------------------------------------------------------------------

    async def _send(self, pair: Pair, author: int, recipient: int) -> None:
        state = self.state
        client_id = str(uuid.uuid4())
        record = Sent(time.perf_counter(), recipient)
        state.sent[client_id] = record
        url = f"{self.base_url}/api/v1/conversations/{pair.conversation_id}/messages"
        try:
            status, body = await post_json(
                self.post_session,
                url,
                self.tokens[author],
                {"body": f"bench {client_id[:8]}", "client_id": client_id},
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            status, body = 0, None
            state.errors[type(exc).__name__] += 1
        record.status = status
        record.answered = time.perf_counter()
        if status == 503:
            state.shed += 1  # refused at once by an overloaded node: never stored
            return
        if status != 201:
            state.errors[f"HTTP {status}"] += 1
            if status and len(state.error_samples) < 3:
                state.error_samples.append(f"{status}: {str(body)[:300]}")

    async def run(
        self,
        *,
        rate: float,
        duration: float,
        grace: float = 10.0,
        label: str = "",
    ) -> dict[str, Any]:
        """Send `rate` messages/s for `duration` s, then wait up to `grace` s for deliveries."""
        self.state = state = RunState()
        total = int(rate * duration)
        inflight: set[asyncio.Task] = set()
        sessions_before = db_sessions(self.database_url)
        window = CpuWindow(self.server_pids).start()
        began = time.perf_counter()
        for i in range(total):
            due = began + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            state.send_lag.append(max(0.0, time.perf_counter() - due))
            if len(inflight) >= self.max_inflight:
                state.skipped += 1  # the server is not keeping up: do not pile on
                continue
            if self.senders:
                pair = self.pairs[i % self.senders]
                author, recipient = pair.a, pair.b
            else:
                pair = self.pairs[i % len(self.pairs)]
                author, recipient = (
                    (pair.a, pair.b) if (i // len(self.pairs)) % 2 == 0 else (pair.b, pair.a)
                )
            task = asyncio.create_task(self._send(pair, author, recipient))
            inflight.add(task)
            task.add_done_callback(inflight.discard)
        sending_s = time.perf_counter() - began
        if inflight:
            await asyncio.gather(*inflight)
        accepted = {cid for cid, s in state.sent.items() if s.status == 201}
        deadline = time.perf_counter() + grace
        while time.perf_counter() < deadline and not accepted <= state.arrivals.keys():
            await asyncio.sleep(0.05)
        if self._acking:
            await asyncio.wait(set(self._acking), timeout=grace)
        cpu = window.stop()
        sessions_after = db_sessions(self.database_url)
        if sessions_before is not None and sessions_after is not None:
            cpu["db_sessions_opened"] = sessions_after - sessions_before - 1
        return self._report(rate, duration, sending_s, accepted, cpu, label)

    def _report(
        self,
        rate: float,
        duration: float,
        sending_s: float,
        accepted: set[str],
        cpu: dict[str, Any],
        label: str,
    ) -> dict[str, Any]:
        state = self.state
        delivered = [cid for cid in accepted if cid in state.arrivals]
        latencies = [state.arrivals[cid] - state.sent[cid].started for cid in delivered]
        post_times = [s.answered - s.started for s in state.sent.values() if s.status == 201]
        answer_times = [s.answered - s.started for s in state.sent.values() if s.status]
        if delivered:
            first = min(state.sent[cid].started for cid in delivered)
            last = max(state.arrivals[cid] for cid in delivered)
            delivered_per_s = len(delivered) / max(1e-9, last - first)
        else:
            delivered_per_s = 0.0
        dropped = [s for s in self.streams if not s.alive]
        return {
            "label": label,
            "target_rate": rate,
            "duration_s": duration,
            "attempted": int(rate * duration),
            "posted": len(state.sent),
            "accepted": len(accepted),
            "shed_503": state.shed,
            "answered_ms": summarize(answer_times),
            "acks": dict(state.acks),
            "ack_ms": summarize(state.ack_times),
            "server_cpu_ms_per_request": round(
                1000 * cpu["server_cpu_s"] / max(1, len(accepted) + sum(state.acks.values())), 2
            ),
            "achieved_send_rate": round(len(state.sent) / max(1e-9, sending_s), 1),
            "delivered": len(delivered),
            "delivered_per_s": round(delivered_per_s, 1),
            "lost": len(accepted) - len(delivered),
            "duplicates": state.duplicates,
            "own_copies": state.own_copies,
            "unexpected_events": state.unexpected,
            "skipped_client_backlog": state.skipped,
            "errors": dict(state.errors),
            "error_samples": state.error_samples,
            "streams_dropped": len(dropped),
            "server_cpu_ms_per_message": round(
                1000 * cpu["server_cpu_s"] / max(1, len(accepted)), 2
            ),
            "latency_ms": summarize(latencies),
            "post_ms": summarize(post_times),
            "send_lag_ms": summarize(state.send_lag),
            "cpu": cpu,
        }


def latency_rows(result: dict[str, Any]) -> list[tuple]:
    """Table rows for one run's report."""
    lat, post = result["latency_ms"], result["post_ms"]
    return [
        (
            "delivery latency (POST -> SSE) ms",
            lat.get("p50"),
            lat.get("p95"),
            lat.get("p99"),
            lat.get("max"),
        ),
        (
            "POST response time ms",
            post.get("p50"),
            post.get("p95"),
            post.get("p99"),
            post.get("max"),
        ),
    ]


def counts_rows(result: dict[str, Any]) -> list[tuple]:
    cpu = result["cpu"]
    return [
        ("target rate msg/s", result["target_rate"]),
        ("achieved send rate msg/s", result["achieved_send_rate"]),
        ("accepted (201)", result["accepted"]),
        ("shed (503, stored nothing)", result.get("shed_503", 0)),
        ("slowest answer (201 or 503) ms", result.get("answered_ms", {}).get("max")),
        ("delivered", result["delivered"]),
        ("delivered msg/s", result["delivered_per_s"]),
        ("lost", result["lost"]),
        ("duplicated", result["duplicates"]),
        ("errors", json.dumps(result["errors"]) if result["errors"] else 0),
        ("skipped (client backlog)", result["skipped_client_backlog"]),
        ("streams dropped", result["streams_dropped"]),
        ("client send lag p99 ms", result["send_lag_ms"].get("p99")),
        ("server CPU % per process", json.dumps(cpu["server_cpu_pct"])),
        ("server CPU ms per accepted message", result["server_cpu_ms_per_message"]),
        ("acks (mixed mode)", json.dumps(result.get("acks") or {})),
        ("ack response p99 ms", result.get("ack_ms", {}).get("p99")),
        ("server CPU ms per request (sends + acks)", result.get("server_cpu_ms_per_request")),
        ("client CPU %", cpu["client_cpu_pct"]),
        ("PostgreSQL / Redis CPU %", json.dumps(cpu["postgres_redis_cpu_pct"])),
        ("machine busy % (2 cores = 100)", cpu["machine_busy_pct"]),
        ("PostgreSQL sessions opened", cpu.get("db_sessions_opened")),
    ]
