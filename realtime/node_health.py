"""This node's health: its dependency checks and the state it reports (health views, registry).

config.health answers `/health` and `/health/ready` from these; the node registry
(realtime.node_registry) records `node_state()` for the staff dashboard.
"""

import asyncio
import time
import uuid

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from prometheus_client import Gauge

from realtime import node_state
from realtime.db import run_db

STARTED_AT = time.time()


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it stored")
    cache.delete(key)


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("health.")
    await layer.send(channel, {"type": "health.ping"})
    await asyncio.wait_for(layer.receive(channel), timeout=2)


async def _run(check, *, is_async: bool = False) -> str:
    try:
        if is_async:
            await asyncio.wait_for(check(), timeout=3)
        else:
            await asyncio.wait_for(run_db(check), timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"down: {type(exc).__name__}"
    return "ok"


DEPENDENCY_UP = Gauge(
    "parley_dependency_up",
    "1 when this node reached the dependency at its last check",
    ["dependency"],
)


def _record(checks: dict[str, str]) -> None:
    for dependency, status in checks.items():
        DEPENDENCY_UP.labels(dependency).set(1 if status.startswith("ok") else 0)


async def check_dependencies(*, channel_layer: bool = False) -> dict[str, str]:
    """ "ok" or "down: <error>" for the database and the cache (and the channel layer)."""
    checks = [_run(_check_database), _run(_check_cache)]
    if channel_layer:
        checks.append(_run(_check_channel_layer, is_async=True))
    names = ["database", "redis", "channel_layer"][: len(checks)]
    found = dict(zip(names, await asyncio.gather(*checks), strict=True))
    _record(found)
    return found


def node_info() -> dict:
    return {
        "node": settings.NODE_ID,
        "version": settings.VERSION,
        "uptime_seconds": round(time.time() - STARTED_AT, 1),
        "open_streams": node_state.open_stream_count(),
        "draining": node_state.is_draining(),
    }


async def node_report() -> dict:
    """This node's identity, load and dependency status, as the dashboard shows it."""
    checks = await check_dependencies()
    return {**node_info(), "database": checks["database"], "redis": checks["redis"]}
