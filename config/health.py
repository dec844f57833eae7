"""Liveness and readiness: what operators and load balancers poll."""

import asyncio
import time
import uuid

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from prometheus_client import Gauge

from realtime import node
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


def _node_info() -> dict:
    return {
        "node": settings.NODE_ID,
        "version": settings.VERSION,
        "uptime_seconds": round(time.time() - STARTED_AT, 1),
        "open_streams": node.open_stream_count(),
        "draining": node.is_draining(),
    }


async def node_state() -> dict:
    """This node's identity, load and dependency status, as the dashboard shows it."""
    database, redis = await asyncio.gather(_run(_check_database), _run(_check_cache))
    _record({"database": database, "redis": redis})
    return {**_node_info(), "database": database, "redis": redis}


async def health(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL (or SQLite) and Redis (or the local cache) answer, else 503."""
    database, redis = await asyncio.gather(_run(_check_database), _run(_check_cache))
    _record({"database": database, "redis": redis})
    checks = {"database": database, "redis": redis if settings.REDIS_URL else f"{redis} (local)"}
    healthy = database == "ok" and redis == "ok"
    body = {"status": "ok" if healthy else "unavailable", "checks": checks, **_node_info()}
    return JsonResponse(body, status=200 if healthy else 503)


async def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: dependencies plus a channel-layer round trip; a draining node is not ready."""
    database, redis, layer = await asyncio.gather(
        _run(_check_database), _run(_check_cache), _run(_check_channel_layer, is_async=True)
    )
    checks = {"database": database, "redis": redis, "channel_layer": layer}
    _record(checks)
    if node.is_draining():
        checks["node"] = "draining"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if healthy else "unavailable", "checks": checks, **_node_info()}
    return JsonResponse(body, status=200 if healthy else 503)
