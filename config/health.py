"""Liveness and readiness: what operators and load balancers poll."""

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from realtime import node_state
from realtime.node_health import check_dependencies, node_info


async def health(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL (or SQLite) and Redis (or the local cache) answer, else 503."""
    found = await check_dependencies()
    database, redis = found["database"], found["redis"]
    checks = {"database": database, "redis": redis if settings.REDIS_URL else f"{redis} (local)"}
    healthy = database == "ok" and redis == "ok"
    body = {"status": "ok" if healthy else "unavailable", "checks": checks, **node_info()}
    return JsonResponse(body, status=200 if healthy else 503)


async def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: dependencies plus a channel-layer round trip; a draining node is not ready."""
    checks = await check_dependencies(channel_layer=True)
    if node_state.is_draining():
        checks["node"] = "draining"
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if healthy else "unavailable", "checks": checks, **node_info()}
    return JsonResponse(body, status=200 if healthy else 503)
