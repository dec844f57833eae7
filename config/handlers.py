"""Django's ASGI handler for the ordinary (sync) API and pages, with fewer thread hops.

Stock `ASGIHandler` builds the middleware chain in async mode and starts a new thread
for each request (`ThreadSensitiveContext()` makes a one-thread executor and joins it
on exit). With sync middleware and sync DRF views a request then went loop → thread
(outer middleware) → loop (`_get_response_async`) → thread (the view), and a fresh
thread was started and joined every time: about a quarter of the CPU of a small
authenticated API call was thread start-up and hand-offs.

Here the chain is built in sync mode and runs, with its view, in one hop, on a
one-thread executor taken from a pool and handed back after the request (asgiref's
caller-owned executor for `ThreadSensitiveContext`). A request still has a thread of
its own while it runs, so one waiting on the database holds up no other. The
long-lived async endpoints do not come here (realtime/asgi.py).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from config.lean import Shed, check_queue_wait, shed_response


class ExecutorPool:
    """Idle one-thread executors, so requests reuse threads instead of starting them."""

    def __init__(self, *, keep: int) -> None:
        self._idle: list[ThreadPoolExecutor] = []
        self._keep = keep
        self._lock = threading.Lock()

    def take(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)  # a burst is over: let its extra threads go


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self, *, keep_threads: int = 64) -> None:
        self.executors = ExecutorPool(keep=keep_threads)
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)  # every middleware and view here is sync

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.executors.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.executors.give_back(executor)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self._get_response_in_time, thread_sensitive=True)(request)

    def _get_response_in_time(self, request: HttpRequest) -> HttpResponseBase:
        """The response, unless the request waited past the node's limit for this thread:
        then 503 at once, before any middleware or view ran (config.lean's load shedding)."""
        try:
            check_queue_wait(request.scope)
        except Shed as shed:
            lean_response = shed_response(shed.reason)
            response = HttpResponse(lean_response.body, status=503, content_type="application/json")
            response["Retry-After"] = str(settings.NODE_SHED_RETRY_AFTER_SECONDS)
            return response
        return self.get_response(request)
