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
from collections.abc import Sequence
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


# One round trip and one reply: trim the window, and either count this request in (nil) or
# refuse it uncounted, as DRF does, answering the oldest request's time in the window.
_COUNT_IN_LUA = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return oldest[2] or ARGV[1]
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
"""
SLIDING_WINDOW_LUA = _COUNT_IN_LUA + "return false\n"
# The same, and once the request is counted in, the PUBLISHes it makes (ARGV[6..]: channel,
# message, channel, message...): a throttled write whose only effect is those messages
# (typing) is then one round trip instead of two, and a refused one publishes nothing.
SLIDING_WINDOW_THEN_PUBLISH_LUA = (
    _COUNT_IN_LUA
    + """for i = 6, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[i], ARGV[i + 1])
end
return false
"""
)


class SlidingWindowThrottle:
    """DRF's ScopedRateThrottle rule (at most N requests per user in any sliding window of
    the scope's rate, from DEFAULT_THROTTLE_RATES) in one Redis round trip, for the lean hot
    path: a sorted set of request times per user, trimmed, counted and added to by one Lua
    script (DRF reads and writes a pickled list: two round trips and the pickling).
    Fails open like the DRF throttles. Without Redis (the embedded default) DRF's own runs.
    """

    def __init__(self, scope: str) -> None:
        rate = api_settings.DEFAULT_THROTTLE_RATES[scope]
        self.scope = scope
        self.limit, self.window = _Rate(rate).parsed
        # The script for sync clients, async ones, and the one that also publishes.
        self._scripts: dict[bool | str, Any] = {}

    def wait(self, user_id: int) -> float | None:
        """None when the request may go on, else the seconds until it may."""
        client = _redis_client()
        if client is None:
            return self._drf_wait(user_id)
        keys, args = self._call(user_id)
        try:
            script = self._script(client, asynchronous=False)
            return self._verdict(script(keys=keys, args=args, client=client), args[0])
        except Exception:  # any cache failure
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return None

    async def await_wait(self, user_id: int) -> float | None:
        """`wait` on the event loop (redis.asyncio), for the lean path's async actions."""
        client = _async_redis_client()
        if client is None:
            return self._drf_wait(user_id)
        keys, args = self._call(user_id)
        try:
            script = self._script(client, asynchronous=True)
            return self._verdict(await script(keys=keys, args=args, client=client), args[0])
        except Exception:  # any cache failure
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return None

    def publishes_on(self, redis_url: str) -> bool:
        """Whether this throttle's Redis is the one at `redis_url` (pub/sub is server-wide,
        so the same server is enough: `await_wait_then_publish` may publish there)."""
        return _async_redis_url() == redis_url

    async def await_wait_then_publish(
        self, user_id: int, messages: Sequence[tuple[str, bytes]]
    ) -> float | None:
        """`await_wait`, and when the request counts in, PUBLISH each (channel, message) on
        the throttle's Redis in the same round trip (check `publishes_on` first). Raises
        when Redis fails: the caller decides what an unpublished message means."""
        client = _async_redis_client()
        keys, args = self._call(user_id)
        for channel, message in messages:
            args += [channel, message]
        script = self._scripts.get("publish")
        if script is None:
            script = self._scripts["publish"] = client.register_script(
                SLIDING_WINDOW_THEN_PUBLISH_LUA
            )
        return self._verdict(await script(keys=keys, args=args, client=client), args[0])

    def _script(self, client, *, asynchronous: bool):
        """The registered script (each call names its client: EVALSHA, loading it once)."""
        script = self._scripts.get(asynchronous)
        if script is None:
            script = self._scripts[asynchronous] = client.register_script(SLIDING_WINDOW_LUA)
        return script

    def _call(self, user_id: int) -> tuple[list[str], list[Any]]:
        now = time.time()
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        ttl = int(self.window) + 1
        return [f"throttle:{self.scope}:{user_id}"], [now, self.window, self.limit, member, ttl]

    def _verdict(self, oldest: bytes | None, now: float) -> float | None:
        if oldest is None:
            return None
        return max(0.0, self.window - (now - float(oldest)))

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


def _async_redis_url() -> str | None:
    """The cache's Redis URL, or None for the embedded local cache."""
    from django.conf import settings

    cache = settings.CACHES["default"]
    if "redis" not in cache["BACKEND"].lower():
        return None
    location = cache["LOCATION"]
    return location[0] if isinstance(location, list | tuple) else location


def _async_redis_client():
    """A redis.asyncio client on the cache's Redis for the running loop (asyncio clients
    belong to one loop), or None for the embedded local cache."""
    url = _async_redis_url()
    if url is None:
        return None
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = _async_clients[loop] = redis.asyncio.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2
        )
    return client
