"""Streams that fell behind the event log catch up from it: the node's two loops for that.

Live pushes can be lost (the channel layer refused one, or was down for a while). A
periodic sweep compares the log's counters with what each stream has seen, so an event
whose push was lost still arrives; and a watchdog pings the node's own layer channel to
notice an outage and the recovery, after which every stream that missed events catches up.
Both read the counters once for all of this node's channels.
"""

import asyncio
import logging
import time

from channels.layers import get_channel_layer
from django.conf import settings

from realtime import metrics
from realtime.db import run_db
from realtime.event_router import PING_TYPE, NodeRouter
from realtime.storage import storage_instance

logger = logging.getLogger(__name__)

LAYER_SILENCE_SECONDS = 15.0


async def resync_behind(router: NodeRouter) -> None:
    """Make every stream that is behind the event log's counters catch up."""
    if not router.connections:
        return
    try:
        counters = await run_db(storage_instance.get_current_ids, list(router.channel_refs))
    except asyncio.CancelledError:
        raise
    except Exception:  # the database may be down too: catch up everyone
        logger.warning("event-log counters unavailable; every stream catches up", exc_info=True)
        router.resync_all()
        return
    for connection in list(router.connections):
        if connection.is_behind(counters):
            connection.request_resync()


async def sweep_forever(router: NodeRouter) -> None:
    """Safety net: a listener whose live push was lost still gets the event."""
    while True:
        await asyncio.sleep(settings.REALTIME_SWEEP_SECONDS)
        await resync_behind(router)


async def watch_layer(router: NodeRouter) -> None:
    """Ping our own channel through the layer, to notice an outage and the recovery.

    An outage is a ping the layer refuses, or no pong for LAYER_SILENCE_SECONDS (a
    busy event loop delays pongs by seconds, which is not an outage). On recovery
    the streams that missed events catch up from the log: one counters query finds
    them, so a node with thousands of streams does not re-read them all.
    """
    layer = get_channel_layer()
    interval = settings.REALTIME_PING_SECONDS
    while True:
        await asyncio.sleep(interval)
        refused = False
        try:
            await asyncio.wait_for(
                layer.send(router.node_channel, {"type": PING_TYPE}), timeout=interval
            )
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - an outage is what we are watching for
            metrics.CHANNEL_LAYER_ERRORS.inc()
            refused = True
        silent_for = time.monotonic() - router.last_pong
        if (refused or silent_for > LAYER_SILENCE_SECONDS) and router.layer_healthy:
            router.layer_healthy = False
            router.last_pong = 0.0
            logger.warning("channel layer unavailable; streams will catch up from the log")
        elif not router.layer_healthy and not refused and silent_for <= 2 * interval:
            router.layer_healthy = True
            metrics.CHANNEL_LAYER_RECONNECTS.inc()
            logger.warning("channel layer back; replaying what streams missed")
            await resync_behind(router)
