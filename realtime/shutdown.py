"""Graceful shutdown: on SIGTERM a node drains its streams before it exits.

Draining means: stop listening (a load balancer's next connection goes to
another node), refuse new streams (503) and report not-ready, tell every open
stream to reconnect (a final `stream-reconnect` event with a `retry:` hint),
give them SHUTDOWN_GRACE_SECONDS to close and in-flight requests a moment to
finish, then stop daphne's reactor. Clients resume on another node with
Last-Event-ID and lose nothing.

A request still stuck in a worker thread (say, waiting on the event loop that
is stopping) must not keep a drained node alive: a last-resort timer exits the
process. Whatever such a request had committed is in the event log already.
"""

import asyncio
import logging
import os
import signal
import sys
import threading
import time

from django.conf import settings

from realtime import node_state
from realtime.event_router import get_router

logger = logging.getLogger(__name__)
_installed = False
IN_FLIGHT_SETTLE_SECONDS = 0.5


def install() -> None:
    """Take over SIGTERM in the running loop (after daphne's reactor installed its own)."""
    global _installed
    if _installed:
        return
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(drain_and_exit()))
    except (NotImplementedError, RuntimeError):  # not the main thread, e.g. under a test client
        return
    _installed = True


async def drain_and_exit() -> None:
    if node_state.is_draining():
        return
    node_state.start_draining()
    router = get_router()
    logger.warning("SIGTERM: draining %d streams", len(router.connections))
    _stop_listening()
    router.close_all("shutdown")
    deadline = asyncio.get_running_loop().time() + settings.SHUTDOWN_GRACE_SECONDS
    while router.connections and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(IN_FLIGHT_SETTLE_SECONDS)
    _exit_soon(settings.SHUTDOWN_GRACE_SECONDS)
    _stop_server()


def _stop_listening() -> None:
    if "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor, tcp

    for reader in list(reactor.getReaders()):
        if isinstance(reader, tcp.Port):
            reader.stopListening()


def _exit_soon(seconds: float) -> None:
    def exit_now() -> None:
        time.sleep(seconds)
        logger.warning("drained node still alive after %.0fs; exiting", seconds)
        logging.shutdown()
        os._exit(0)

    threading.Thread(target=exit_now, daemon=True, name="realtime-exit").start()


def _stop_server() -> None:
    if "twisted.internet.reactor" in sys.modules:
        from twisted.internet import reactor

        reactor.stop()
    else:
        raise SystemExit(0)
