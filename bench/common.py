"""What every bench tool shares: file limits, statistics, tables, JSON results, HTTP sessions,
and a cheap Server-Sent Events reader on aiohttp (/proc readings are in bench.procstats).

The client shares the machine with the server, so it parses as little as it can: frames are
split on blank lines and only the event types a tool asks for are handed over.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import os
import resource
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

RESULTS_DIR = Path(__file__).resolve().parent / "results"


# --- limits ----------------------------------------------------------------------------------


def raise_nofile(target: int = 262_144) -> int:
    """Raise this process's open-file limit (children such as daphne inherit it).

    As root the hard limit can go up to fs.nr_open; otherwise the soft limit goes up to the
    hard one. Returns the soft limit in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if os.geteuid() == 0:
        try:
            nr_open = int(Path("/proc/sys/fs/nr_open").read_text())
        except (OSError, ValueError):
            nr_open = hard
        new_hard = max(hard, min(target, nr_open))
    else:
        new_hard = hard
    new_soft = min(max(soft, target), new_hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, new_hard))
    except (ValueError, OSError):
        return soft
    return new_soft


# --- statistics --------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(values: Iterable[float], *, scale: float = 1000.0) -> dict[str, float | int]:
    """count, min, mean, p50, p95, p99, max of `values` (seconds) in milliseconds by default."""
    ordered = sorted(v * scale for v in values)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "min": round(ordered[0], 2),
        "mean": round(sum(ordered) / len(ordered), 2),
        "p50": round(percentile(ordered, 0.50), 2),
        "p95": round(percentile(ordered, 0.95), 2),
        "p99": round(percentile(ordered, 0.99), 2),
        "max": round(ordered[-1], 2),
    }


# --- output ------------------------------------------------------------------------------------


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "-" if value is None else str(value)


def print_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Print rows under headers as an aligned text table; returns the text."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]
    line = "  ".join("-" * w for w in widths)
    out = [f"\n== {title}", "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    out.append(line)
    for row in cells:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=False))
            )
        )
    text = "\n".join(out)
    print(text, flush=True)
    return text


def timestamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def write_result(name: str, data: dict[str, Any], *, stamp: str | None = None) -> Path:
    """bench/results/<name>-<timestamp>.json (the folder is git-ignored)."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}-{stamp or timestamp()}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"\nresults: {path}", flush=True)
    return path


# --- HTTP ------------------------------------------------------------------------------------


def make_session(
    *, limit: int = 0, local_addr: str | None = None, connect_timeout: float = 30.0
) -> aiohttp.ClientSession:
    """An aiohttp session for loopback load: no connection cap unless asked, no total timeout."""
    connector = aiohttp.TCPConnector(
        limit=limit,
        limit_per_host=0,
        ttl_dns_cache=None,
        local_addr=(local_addr, 0) if local_addr else None,
        happy_eyeballs_delay=None,
    )
    timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=None)
    return aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def post_json(
    session: aiohttp.ClientSession, url: str, token: str, body: dict[str, Any]
) -> tuple[int, Any]:
    async with session.post(url, data=json.dumps(body), headers=auth(token)) as response:
        raw = await response.read()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw[:200].decode(errors="replace")


# --- Server-Sent Events --------------------------------------------------------------------

EventHandler = Callable[["Stream", str, bytes, float], None]


class Stream:
    """One user's open `/events/` stream, read by a background task."""

    __slots__ = (
        "closed_reason",
        "error",
        "frames",
        "keepalives",
        "open_seconds",
        "opened",
        "response",
        "task",
        "token",
        "user_id",
    )

    def __init__(self, user_id: int, token: str) -> None:
        self.user_id = user_id
        self.token = token
        self.opened = False
        self.open_seconds = math.nan
        self.error: str | None = None
        self.closed_reason: str | None = None
        self.keepalives = 0
        self.frames = 0
        self.response: aiohttp.ClientResponse | None = None
        self.task: asyncio.Task | None = None

    @property
    def alive(self) -> bool:
        return self.opened and self.closed_reason is None

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.response is not None:
            self.response.close()
        if self.closed_reason is None:
            self.closed_reason = "closed by client"


STREAM_OPEN = b"event: stream-open"


async def open_stream(
    session: aiohttp.ClientSession,
    base_url: str,
    stream: Stream,
    *,
    on_event: EventHandler | None = None,
    wanted: frozenset[str] = frozenset(),
    timeout: float = 30.0,
) -> bool:
    """GET /events/?token=..., wait for the `stream-open` frame, then read in the background.

    An open counts as complete only when the server has authenticated the token, attached the
    listener and fixed the stream's position: that is when it sends `stream-open`.
    """
    started = time.perf_counter()
    response = None
    try:
        async with asyncio.timeout(timeout):
            response = await session.get(
                f"{base_url}/events/",
                params={"token": stream.token},
                headers={"Accept": "text/event-stream"},
            )
            if response.status != 200:
                stream.error = f"HTTP {response.status}"
                response.release()
                return False
            buffer = b""
            while STREAM_OPEN not in buffer:
                chunk = await response.content.readany()
                if not chunk:
                    stream.error = "closed before stream-open"
                    response.close()
                    return False
                buffer += chunk
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        stream.error = type(exc).__name__
        if response is not None:
            response.close()
        return False
    stream.open_seconds = time.perf_counter() - started
    stream.opened = True
    stream.response = response
    leftover = buffer[buffer.index(STREAM_OPEN) :]
    leftover = leftover[leftover.index(b"\n\n") + 2 :] if b"\n\n" in leftover else b""
    stream.task = asyncio.create_task(_read(stream, response, leftover, on_event, wanted))
    return True


async def _read(
    stream: Stream,
    response: aiohttp.ClientResponse,
    buffer: bytes,
    on_event: EventHandler | None,
    wanted: frozenset[str],
) -> None:
    try:
        while True:
            if b"\n\n" in buffer:
                _dispatch(stream, buffer, time.perf_counter(), on_event, wanted)
                buffer = buffer[buffer.rindex(b"\n\n") + 2 :]
            chunk = await response.content.readany()
            if not chunk:
                stream.closed_reason = stream.closed_reason or "closed by server"
                return
            buffer += chunk
    except asyncio.CancelledError:
        raise
    except (aiohttp.ClientError, OSError) as exc:
        stream.closed_reason = stream.closed_reason or type(exc).__name__


def _dispatch(
    stream: Stream,
    buffer: bytes,
    arrived: float,
    on_event: EventHandler | None,
    wanted: frozenset[str],
) -> None:
    frames = buffer.split(b"\n\n")[:-1]  # the last piece is incomplete (or empty)
    stream.frames += len(frames)
    for frame in frames:
        if frame.startswith(b"event: keep-alive"):
            stream.keepalives += 1
            continue
        event_type = ""
        data: list[bytes] = []
        for line in frame.split(b"\n"):
            if line.startswith(b"event: "):
                event_type = line[7:].decode()
            elif line.startswith(b"data: "):
                data.append(line[6:])
        if event_type in ("stream-reconnect", "stream-error"):
            stream.closed_reason = f"{event_type} {b''.join(data)[:80].decode(errors='replace')}"
        if on_event is not None and event_type in wanted:
            on_event(stream, event_type, b"\n".join(data), arrived)


async def open_many(
    sessions: Sequence[aiohttp.ClientSession],
    base_url: str,
    streams: Sequence[Stream],
    *,
    concurrency: int,
    on_event: EventHandler | None = None,
    wanted: frozenset[str] = frozenset(),
    timeout: float = 30.0,
    progress_every: int = 0,
) -> list[float]:
    """Open streams with at most `concurrency` opens in flight (0: all at once).

    Streams are spread over `sessions` (one per source address, so more than one port range
    of connections fits). Returns the time.monotonic() (comparable across processes) at which
    each open completed.
    """
    limit = asyncio.Semaphore(concurrency) if concurrency > 0 else None
    completed: list[float] = []

    async def one(index: int, stream: Stream) -> None:
        session = sessions[index % len(sessions)]
        if limit is None:
            ok = await open_stream(
                session, base_url, stream, on_event=on_event, wanted=wanted, timeout=timeout
            )
        else:
            async with limit:
                ok = await open_stream(
                    session, base_url, stream, on_event=on_event, wanted=wanted, timeout=timeout
                )
        if ok:
            completed.append(time.monotonic())
            if progress_every and len(completed) % progress_every == 0:
                print(f"  {len(completed):,} streams open", flush=True)

    await asyncio.gather(*(one(i, s) for i, s in enumerate(streams)))
    return completed


def source_addresses(connections: int, *, per_address: int = 25_000) -> list[str]:
    """Loopback source addresses so that each carries fewer connections than the port range."""
    count = max(1, math.ceil(connections / per_address))
    return [f"127.0.0.{i + 1}" for i in range(count)]


async def close_all(streams: Iterable[Stream]) -> None:
    tasks = []
    for stream in streams:
        stream.close()
        if stream.task is not None:
            tasks.append(stream.task)
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
