"""A registry of live nodes in the shared cache, for the staff dashboard and `realtime_stats`."""

import asyncio
import logging
import time

from django.conf import settings
from django.core.cache import cache

from realtime.db import run_db
from realtime.node_health import node_report

logger = logging.getLogger(__name__)

INDEX_KEY = "nodes:index"
TTL_SECONDS = 30


def report(state: dict) -> None:
    """Record this node's state; it disappears TTL_SECONDS after the node stops reporting."""
    node_id = settings.NODE_ID
    cache.set(f"node:{node_id}", {**state, "seen_at": time.time()}, timeout=TTL_SECONDS)
    index = set(cache.get(INDEX_KEY) or ())
    if node_id not in index:
        index.add(node_id)
        cache.set(INDEX_KEY, sorted(index), timeout=None)


def live_nodes() -> list[dict]:
    index = cache.get(INDEX_KEY) or []
    found = cache.get_many([f"node:{node_id}" for node_id in index])
    alive = sorted(found.values(), key=lambda state: state["node"])
    if len(alive) != len(index):  # forget nodes whose reports expired
        cache.set(INDEX_KEY, sorted(state["node"] for state in alive), timeout=None)
    return alive


async def report_forever() -> None:
    """The node's loop that keeps its entry fresh (started with the node's other loops)."""
    while True:
        try:
            state = await node_report()
            await run_db(report, state)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.debug("node report failed", exc_info=True)
        await asyncio.sleep(TTL_SECONDS / 3)
