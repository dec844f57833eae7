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
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._redis_clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False):
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            with _clients_lock:
                if index not in self._redis_clients:
                    pool = self._pools.get(index) or self._pool_class.from_url(
                        self._servers[index], **self._pool_options
                    )
                    self._pools[index] = pool
                    self._redis_clients[index] = self._client(connection_pool=pool)
                client = self._redis_clients[index]
        return client


class SharedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> SharedRedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _clients_lock:
            if key not in _clients:
                _clients[key] = SharedRedisCacheClient(self._servers, **self._options)
            return _clients[key]
