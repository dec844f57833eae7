"""Graceful shutdown: on SIGTERM a node drains its streams before it exits.

Draining means: refuse new streams (503) and report not-ready, tell every open
stream to reconnect (a final `stream-reconnect` event with a `retry:` hint),
give them SHUTDOWN_GRACE_SECONDS to close, then stop daphne's reactor. Clients
resume on another node with Last-Event-ID and lose nothing.
"""

import asyncio
import logging
import signal
import sys

from django.conf import settings

from realtime import node

logger = logging.getLogger(__name__)
_installed = False


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
    from realtime.router import get_router

    if node.is_draining():
        return
    node.start_draining()
    router = get_router()
    logger.warning("SIGTERM: draining %d streams", len(router.connections))
    router.close_all("shutdown")
    deadline = asyncio.get_running_loop().time() + settings.SHUTDOWN_GRACE_SECONDS
    while router.connections and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    _stop_server()


def _stop_server() -> None:
    if "twisted.internet.reactor" in sys.modules:
        from twisted.internet import reactor

        reactor.stop()
    else:
        raise SystemExit(0)
