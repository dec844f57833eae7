"""Starting this node on its event loop: the router first, then each concern's own loop.

Daphne has no startup hook, so the first stream or lean write served on the loop starts
the node (`ensure_started`), once. The loops belong to the concerns they serve: the
router's receiver (realtime.event_router), the catch-up sweep and the layer watchdog
(realtime.resync), presence (realtime.presence), the node registry's report
(realtime.node_registry); realtime.shutdown takes over SIGTERM.
"""

import asyncio

from realtime import db, node_registry, presence, resync, shutdown
from realtime.event_router import NodeRouter, get_router


async def ensure_started() -> NodeRouter:
    """The running loop's router, started (with the node's loops) if it was not yet."""
    router = get_router()
    if router.node_channel is not None:
        return router
    async with router.start_lock:
        if router.node_channel is not None:
            return router
        db.use_worker_threads()
        await router.join_layer()
        router.tasks = [
            asyncio.create_task(router.receive_forever(), name="realtime-receive"),
            asyncio.create_task(resync.watch_layer(router), name="realtime-watchdog"),
            asyncio.create_task(resync.sweep_forever(router), name="realtime-sweep"),
            asyncio.create_task(presence.refresh_forever(router), name="realtime-presence"),
            asyncio.create_task(presence.flush_forever(router), name="realtime-presence-flush"),
            asyncio.create_task(node_registry.report_forever(), name="realtime-report"),
        ]
        shutdown.install()
    return router
