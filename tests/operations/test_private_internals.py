"""Private attributes of our dependencies that Parley relies on, pinned here.

Each has no public route (or the public one costs what the code avoids), so an upgrade that
renames or repurposes one must fail here, not in production:

- Twisted's `FileDescriptor._tempDataLen` (with `dataBuffer` and `offset`): the bytes daphne
  still holds for a slow client (`realtime.send_buffer.TransportProbe.buffered`).
- Django's `RedisCacheClient._get_connection_pool` and `RedisCache._cache`: one Redis client
  per pool (config/cache.py), and the raw client behind the cache (config/throttling.py,
  realtime/presence.py).
- `LazyObject._wrapped` / `empty`: whether `request.user` was evaluated yet (config/logging.py)
  and forgetting the attachments' storage when STORAGES changes (chat/models/attachment.py).
"""

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from twisted.internet.abstract import FileDescriptor

from config.cache import SharedRedisCache
from realtime.send_buffer import TransportProbe


class _Reactor:
    def addWriter(self, writer) -> None:
        pass

    def removeWriter(self, writer) -> None:
        pass


class _Socket(FileDescriptor):
    """A Twisted transport whose socket takes `accepts` bytes per write."""

    accepts = 30

    def writeSomeData(self, data: bytes) -> int:
        return min(self.accepts, len(data))


def test_twisted_transport_buffer_is_counted_as_the_send_buffer_probe_reads_it():
    transport = _Socket(reactor=_Reactor())
    transport.connected = True
    probe = TransportProbe(transport)
    assert probe.buffered() == 0

    transport.write(b"x" * 100)  # not yet flushed: held in _tempDataBuffer / _tempDataLen
    assert transport._tempDataLen == 100
    assert probe.buffered() == 100

    transport.doWrite()  # the socket took 30 bytes: the rest moved to dataBuffer past offset
    assert probe.buffered() == 70
    transport.write(b"y" * 5)
    assert probe.buffered() == 75


@pytest.mark.skipif(not isinstance(caches["default"], RedisCache), reason="needs REDIS_URL")
def test_django_redis_client_hands_out_one_pool_per_kind_through_get_connection_pool():
    cache = caches["default"]
    client = RedisCacheClient(cache._servers, **cache._options)
    pool = client._get_connection_pool(True)
    assert isinstance(pool, redis.ConnectionPool)
    assert client._get_connection_pool(True) is pool
    # Django's own get_client builds its redis.Redis on the same pool.
    assert client.get_client(write=True).connection_pool is pool


@pytest.mark.skipif(not isinstance(caches["default"], RedisCache), reason="needs REDIS_URL")
def test_django_redis_cache_does_its_work_through_the_cache_attribute():
    cache = caches["default"]
    assert isinstance(cache, SharedRedisCache)
    # RedisCache's methods call self._cache: the property config/cache.py overrides.
    assert isinstance(RedisCache.__dict__["_cache"], type(SharedRedisCache.__dict__["_cache"]))
    cache.set("parley-test-internals", 1, 5)
    assert cache._cache.get_client(write=True).get(cache.make_key("parley-test-internals"))


def test_a_lazy_object_is_empty_until_evaluated_and_set_up_again_once_emptied():
    calls = []

    def make() -> object:
        calls.append(1)
        return object()

    lazy = SimpleLazyObject(make)
    assert lazy._wrapped is empty
    str(lazy)
    assert lazy._wrapped is not empty and len(calls) == 1

    class Storage(LazyObject):
        def _setup(self) -> None:
            self._wrapped = make()

    storage = Storage()
    str(storage)
    first = storage._wrapped
    storage._wrapped = empty
    str(storage)
    assert storage._wrapped is not first and len(calls) == 3
