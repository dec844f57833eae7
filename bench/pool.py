"""Many idle SSE streams held by client worker processes.

One process can hold only as many sockets as its open-file limit allows (20,000 hard here, and
the limit cannot be raised in this sandbox), and a source address only as many connections to
one server port as the ephemeral port range (~28,000). So streams are spread over worker
processes, each with its own loopback source address (127.0.0.1, 127.0.0.2, ...), driven
from the parent through a pipe: open N more (optionally all starting at one moment), report
how many are alive, close all.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import time
from collections import Counter
from typing import Any

from bench.common import Stream, close_all, make_session, open_many, raise_nofile

PER_WORKER = 15_000


def _worker(connection: Any, base_url: str, users: list[tuple[int, str]], address: str) -> None:
    raise_nofile()
    asyncio.run(_serve(connection, base_url, users, address))


async def _serve(
    connection: Any, base_url: str, users: list[tuple[int, str]], address: str
) -> None:
    loop = asyncio.get_running_loop()
    session = make_session(local_addr=address)
    streams: list[Stream] = []
    next_user = 0
    try:
        while True:
            command, *params = await loop.run_in_executor(None, connection.recv)
            if command == "open":
                count, concurrency, start_at, timeout = params
                batch = [Stream(uid, token) for uid, token in users[next_user : next_user + count]]
                next_user += len(batch)
                delay = start_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                began = time.monotonic()
                completions = await open_many(
                    [session], base_url, batch, concurrency=concurrency, timeout=timeout
                )
                streams.extend(s for s in batch if s.opened)
                failed = [s for s in batch if not s.opened]
                connection.send(
                    {
                        "began": began,
                        "opened": len(batch) - len(failed),
                        "failed": len(failed),
                        "errors": dict(Counter(s.error for s in failed)),
                        "completions": completions,
                        "open_seconds": [s.open_seconds for s in batch if s.opened],
                    }
                )
            elif command == "status":
                closed = Counter(s.closed_reason for s in streams if not s.alive)
                connection.send(
                    {
                        "alive": sum(1 for s in streams if s.alive),
                        "closed": dict(closed),
                        "keepalives": sum(s.keepalives for s in streams),
                    }
                )
            elif command == "close":
                await close_all(streams)
                streams = []
                connection.send({"closed": True})
            elif command == "exit":
                return
    finally:
        await close_all(streams)
        await session.close()


class StreamPool:
    """Worker processes sharing `users` (one stream each); used from synchronous code."""

    def __init__(
        self, base_url: str, users: list[tuple[int, str]], *, workers: int | None = None
    ) -> None:
        self.workers = workers or max(1, math.ceil(len(users) / PER_WORKER))
        context = multiprocessing.get_context("spawn")
        self.pipes = []
        self.processes = []
        share = math.ceil(len(users) / self.workers)
        for index in range(self.workers):
            parent, child = context.Pipe()
            chunk = users[index * share : (index + 1) * share]
            process = context.Process(
                target=_worker,
                args=(child, base_url, chunk, f"127.0.0.{index + 1}"),
                daemon=True,
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)
        self.held = 0

    def _ask(self, messages: list[tuple], timeout: float) -> list[dict[str, Any]]:
        for pipe, message in zip(self.pipes, messages, strict=True):
            pipe.send(message)
        answers = []
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise TimeoutError("a client worker did not answer")
            answers.append(pipe.recv())
        return answers

    def open(
        self, count: int, *, concurrency: int, timeout: float = 60.0, start_in: float = 0.5
    ) -> dict[str, Any]:
        """Open `count` more streams spread over the workers, all starting at one moment.

        `concurrency` is per worker (0: every open at once).
        """
        shares = [
            count // self.workers + (1 if i < count % self.workers else 0)
            for i in range(self.workers)
        ]
        start_at = time.monotonic() + start_in
        answers = self._ask(
            [("open", share, concurrency, start_at, timeout) for share in shares],
            timeout=timeout * 4 + count / 100 + 60,
        )
        completions = sorted(t for a in answers for t in a["completions"])
        errors: Counter = Counter()
        for answer in answers:
            errors.update(answer["errors"])
        opened = sum(a["opened"] for a in answers)
        self.held += opened
        return {
            "requested": count,
            "opened": opened,
            "failed": sum(a["failed"] for a in answers),
            "errors": dict(errors),
            "began": min(a["began"] for a in answers),
            "completions": completions,
            "open_seconds": [s for a in answers for s in a["open_seconds"]],
        }

    def status(self) -> dict[str, Any]:
        answers = self._ask([("status",)] * self.workers, timeout=60)
        closed: Counter = Counter()
        for answer in answers:
            closed.update(answer["closed"])
        return {
            "alive": sum(a["alive"] for a in answers),
            "closed": dict(closed),
            "keepalives": sum(a["keepalives"] for a in answers),
        }

    def close_streams(self) -> None:
        self._ask([("close",)] * self.workers, timeout=300)
        self.held = 0

    def shutdown(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(BrokenPipeError, OSError):
                pipe.send(("exit",))
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
