"""Django's Redis cache backend, with one client and connection pool per process.

Django keeps a cache backend instance per request context, and its Redis backend
builds a new connection pool for each instance and a new `redis.Redis` for every
call: under ASGI every request dialled Redis afresh, and a rate-limit check
(a get and a set) cost about 3.5 ms of CPU, most of it constructing clients.
Here every backend instance with the same settings shares one client, which is
thread-safe (each command borrows a connection from the shared pool).
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple, "SharedRedisCacheClient"] = {}
_clients_lock = threading.Lock()


class SharedRedisCacheClient(RedisCacheClient):
    """Django's client, with one `redis.Redis` per connection pool instead of one per call."""

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._redis_by_pool: dict[Any, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False):
        # Django's private pool lookup (pinned by tests/operations/test_private_internals.py).
        pool = self._get_connection_pool(write)
        client = self._redis_by_pool.get(pool)
        if client is None:
            # setdefault is atomic: threads racing here end up sharing one client.
            client = self._redis_by_pool.setdefault(pool, self._client(connection_pool=pool))
        return client


class SharedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> SharedRedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = SharedRedisCacheClient(self._servers, **self._options)
            return _clients[key]
