"""A chat workload through nginx while something breaks, and the exactly-once check."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Protocol

import aiohttp

from tests.reliability.clients import ResilientStream, Sender
from tests.waiting import async_wait_until


class PairLike(Protocol):
    conversation_id: int
    sender_token: str
    recipient_token: str


async def run_flow(
    base_url: str,
    pairs: Sequence[PairLike],
    *,
    per_pair: int,
    during: Callable[[], object],
    after_seconds: float = 0.3,
    deadline_seconds: float = 90,
) -> tuple[list[ResilientStream], list[ResilientStream], list[Sender]]:
    """Both members of every pair stream; senders send `per_pair` messages each, concurrently;
    `during` runs (in a thread) `after_seconds` in. Returns sender streams, recipient
    streams and senders once every accepted message has arrived or the deadline passed."""
    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=None)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        own = [ResilientStream(base_url, pair.sender_token) for pair in pairs]
        theirs = [ResilientStream(base_url, pair.recipient_token) for pair in pairs]
        streams = own + theirs
        readers = [asyncio.create_task(stream.run(session, stop)) for stream in streams]
        await asyncio.wait_for(asyncio.gather(*(s.opened.wait() for s in streams)), 60)
        senders = [Sender(base_url, pair.sender_token) for pair in pairs]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + deadline_seconds

        async def send_all(index: int) -> None:
            for n in range(per_pair):
                await senders[index].send(
                    session, pairs[index].conversation_id, f"{index}:{n}", deadline=deadline
                )

        sending = asyncio.gather(*(send_all(i) for i in range(len(pairs))))
        await asyncio.sleep(after_seconds)
        await asyncio.to_thread(during)
        await sending

        def complete() -> bool:
            return all(
                len(stream.received) >= len(sender.accepted)
                for stream_list in (own, theirs)
                for stream, sender in zip(stream_list, senders, strict=True)
            )

        # Past the deadline the checks that follow say what is missing.
        with contextlib.suppress(TimeoutError):
            await async_wait_until(
                complete,
                what="every accepted message on its streams",
                timeout=max(0.0, deadline - loop.time()),
                interval=0.2,
            )
        await asyncio.sleep(1.0)  # a duplicate would arrive now
        stop.set()
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        return own, theirs, senders


def assert_exactly_once_in_order(own, theirs, senders) -> None:
    """Every accepted message reached both members once, in the order it was accepted."""
    for index, sender in enumerate(senders):
        accepted = [message["id"] for message in sender.accepted]
        for stream in (own[index], theirs[index]):
            received = [message["id"] for message in stream.received]
            assert received == accepted, (index, sender.failures, len(received), len(accepted))


def moved_off(streams: Sequence[ResilientStream], node_name: str) -> list[ResilientStream]:
    return [stream for stream in streams if stream.nodes and stream.nodes[0] == node_name]
