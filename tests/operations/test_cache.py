"""The Redis cache shares one client per process (config/cache.py)."""

import threading

from django.core.cache import cache, caches


def test_cache_instances_of_every_thread_share_one_redis_client_and_pool():
    seen = []

    def use_cache():
        backend = caches["default"]
        backend.set("parley-test-shared", "yes", 5)
        seen.append((backend, backend._cache.get_client(), backend.get("parley-test-shared")))

    threads = [threading.Thread(target=use_cache) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    backends, clients, values = zip(*seen, strict=True)
    assert len({id(backend) for backend in backends}) == 3  # Django's per-thread instances
    assert len({id(client) for client in clients}) == 1
    assert clients[0] is cache._cache.get_client(write=True)
    assert values == ("yes", "yes", "yes")
