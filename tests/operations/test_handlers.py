"""The ASGI handler of the ordinary API and pages (config/handlers.py)."""

import asyncio
import threading

import pytest
from asgiref.testing import ApplicationCommunicator

from config.handlers import ExecutorPool, SyncChainASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


def get(handler: SyncChainASGIHandler, path: str) -> tuple[int, dict, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(handler, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(5)
        body = await communicator.receive_output(5)
        await communicator.wait(5)
        headers = {name.lower(): value for name, value in start["headers"]}
        return start["status"], headers, body["body"]

    return asyncio.run(run())


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
