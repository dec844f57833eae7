"""DRF throttles that fail open: a Redis outage must not turn every request into a 500.

The counters live in the shared cache (Redis in production), so limits are
global across nodes. While the cache is unreachable requests are let through
and the failure is logged; losing rate limiting for a minute is better than
losing the service.
"""

import asyncio
import logging
import time
import uuid
from typing import Any

import redis.asyncio
from django.core.exceptions import SuspiciousOperation
from rest_framework import throttling
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class FailOpenMixin:
    def allow_request(self, request: Request, view) -> bool:
        try:
            return super().allow_request(request, view)
        # A bad request met while reading the username (a malformed body, or one over
        # DATA_UPLOAD_MAX_MEMORY_SIZE): answered as such, not mistaken for a cache outage.
        except (APIException, SuspiciousOperation):
            raise
        except Exception:  # any cache failure
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return True


class SimpleRateThrottle(FailOpenMixin, throttling.SimpleRateThrottle):
    pass


class ScopedRateThrottle(FailOpenMixin, throttling.ScopedRateThrottle):
    pass


class SlidingWindowThrottle:
    """DRF's ScopedRateThrottle rule (at most N requests per user in any sliding window of
    the scope's rate, from DEFAULT_THROTTLE_RATES) in one Redis round trip, for the lean hot
    path: a sorted set of request times per user, trimmed, added to and counted in one
    pipeline (DRF's reads and writes a pickled list: two round trips and the pickling).
    Fails open like the DRF throttles. Without Redis (the embedded default) DRF's own runs.
    """

    def __init__(self, scope: str) -> None:
        rate = api_settings.DEFAULT_THROTTLE_RATES[scope]
        self.scope = scope
        self.limit, self.window = _Rate(rate).parsed

    def wait(self, user_id: int) -> float | None:
        """None when the request may go on, else the seconds until it may."""
        client = _redis_client()
        if client is None:
            return self._drf_wait(user_id)
        key, member, now = self._entry(user_id)
        try:
            with client.pipeline(transaction=True) as pipeline:
                _, _, count, oldest, _ = self._queue(pipeline, key, member, now).execute()
            if count <= self.limit:
                return None
            client.zrem(key, member)  # as in DRF, a refused request is not counted
            return self._refused_for(oldest, now)
        except Exception:  # any cache failure
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return None

    async def await_wait(self, user_id: int) -> float | None:
        """`wait` on the event loop (redis.asyncio), for the lean path's async actions."""
        client = _async_redis_client()
        if client is None:
            return self._drf_wait(user_id)
        key, member, now = self._entry(user_id)
        try:
            async with client.pipeline(transaction=True) as pipeline:
                _, _, count, oldest, _ = await self._queue(pipeline, key, member, now).execute()
            if count <= self.limit:
                return None
            await client.zrem(key, member)
            return self._refused_for(oldest, now)
        except Exception:  # any cache failure
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return None

    def _entry(self, user_id: int) -> tuple[str, str, float]:
        now = time.time()
        return f"throttle:{self.scope}:{user_id}", f"{now:.6f}:{uuid.uuid4().hex[:8]}", now

    def _queue(self, pipeline, key: str, member: str, now: float):
        """Trim the window, add this request, count, read the oldest, renew the expiry."""
        pipeline.zremrangebyscore(key, 0, now - self.window)
        pipeline.zadd(key, {member: now})
        pipeline.zcard(key)
        pipeline.zrange(key, 0, 0, withscores=True)
        pipeline.expire(key, int(self.window) + 1)
        return pipeline

    def _refused_for(self, oldest: list, now: float) -> float:
        return max(0.0, self.window - (now - oldest[0][1])) if oldest else self.window

    def _drf_wait(self, user_id: int) -> float | None:
        throttle = ScopedRateThrottle()
        request = type("ThrottledRequest", (), {"user": _Caller(user_id)})()
        view = type("ThrottledView", (), {"throttle_scope": self.scope})()
        return None if throttle.allow_request(request, view) else throttle.wait()


class _Rate(throttling.SimpleRateThrottle):
    """DRF's own parsing of a rate such as "120/min"."""

    def __init__(self, rate: str) -> None:  # no scope lookup: the rate is given
        self.parsed = self.parse_rate(rate)


class _Caller:
    is_authenticated = True

    def __init__(self, pk: int) -> None:
        self.pk = pk


def _redis_client():
    from django.core.cache import cache

    backend = getattr(cache, "_cache", None)
    return backend.get_client(write=True) if hasattr(backend, "get_client") else None


_async_clients: dict[asyncio.AbstractEventLoop, Any] = {}


def _async_redis_client():
    """A redis.asyncio client on the cache's Redis for the running loop (asyncio clients
    belong to one loop), or None for the embedded local cache."""
    from django.conf import settings

    cache = settings.CACHES["default"]
    if "redis" not in cache["BACKEND"].lower():
        return None
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        location = cache["LOCATION"]
        client = _async_clients[loop] = redis.asyncio.Redis.from_url(
            location[0] if isinstance(location, list | tuple) else location,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
    return client
