"""The ASGI handler of the ordinary API and pages (config/handlers.py)."""

import threading

import pytest

from config.handlers import ExecutorPool, SyncChainASGIHandler
from tests.operations.asgi import request

pytestmark = pytest.mark.django_db(transaction=True)


def get(handler: SyncChainASGIHandler, path: str) -> tuple[int, dict, bytes]:
    return request(handler, "GET", path)


def test_requests_run_the_whole_middleware_chain_and_reuse_one_pooled_thread(monkeypatch):
    handler = SyncChainASGIHandler(keep_threads=4)
    threads = []
    original = handler.get_response

    def recording_get_response(request):
        threads.append(threading.current_thread())
        return original(request)

    monkeypatch.setattr(handler, "get_response", recording_get_response)

    for _ in range(3):
        status, headers, body = get(handler, "/api/v1/auth/me")
        assert status == 401 and b'"error"' in body  # DRF view, our error shape
        assert b"x-request-id" in headers and b"x-parley-node" in headers  # middleware ran
    assert len(set(threads)) == 1  # one thread, taken from the pool each time
    assert threads[0] is not threading.main_thread()


def test_the_pool_keeps_a_bounded_number_of_idle_executors():
    pool = ExecutorPool(keep=1)
    first, second = pool.take(), pool.take()
    assert first is not second
    pool.give_back(first)
    pool.give_back(second)  # over the bound: shut down
    assert pool.take() is first
    with pytest.raises(RuntimeError):
        second.submit(print)
