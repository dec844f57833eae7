"""A lean ASGI handler for the long-lived endpoints: `/events/` and `/api/v1/poll`.

Django's ASGIHandler runs every MiddlewareMixin hook, the request_started and
request_finished signals and `response.close()` through `sync_to_async` with
thread_sensitive=True, i.e. one after another in the process's single sync
thread. For ordinary API calls that is fine; for a reconnect storm of
thousands of streams it caps a node at about a hundred opens per second. These
views need none of that middleware (they authenticate themselves, hold no CSRF
state and answer in the API's JSON error shape), so they are served here with
only what they use: the request object, the session (for browsers) and the
lazy `request.auser`.
"""

import asyncio
import contextlib
import logging
from functools import partial

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.contrib.auth.middleware import auser
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.exception import response_for_exception
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string

from config.cors import with_cors
from config.errors import ServiceUnavailable, error_body, is_database_outage
from realtime.db import served_by_node
from realtime.send_buffer import SEND_BUFFER_PROBE, send_buffer_probe
from realtime.urls import STREAM_VIEWS, websocket_urlpatterns

logger = logging.getLogger(__name__)


class RealtimeHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.routes = with_cors(STREAM_VIEWS)
        self.session_store = import_string(settings.SESSION_ENGINE + ".SessionStore")

    def load_middleware(self, is_async: bool = False) -> None:
        self._middleware_chain = None  # deliberately none: see the module docstring

    def handles(self, scope: dict) -> bool:
        return scope["type"] == "http" and scope["path"] in self.routes

    async def __call__(self, scope: dict, receive, send) -> None:
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict, receive, send) -> None:
        served_by_node.set(True)  # this task serves one request on the node's loop
        scope = {**scope, SEND_BUFFER_PROBE: send_buffer_probe(send)}
        body_file = await self.read_body(receive)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            await self.send_response(error_response, send)
            return

        async def respond() -> None:
            await self.send_response(await self.respond(request), send)

        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(respond()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
                # A client that left, or a view that already answered: nothing to report.
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            # A stream opened by its view but never started (the client left first).
            if (connection := getattr(request, "stream_connection", None)) is not None:
                await connection.close_transport()
            body_file.close()

    async def respond(self, request: HttpRequest) -> HttpResponse:
        request.session = self.session_store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        request.auser = partial(auser, request)
        view = self.routes[request.path_info]
        try:
            response = await view(request)
        except Exception as exc:  # noqa: BLE001 - the last resort, answered in our shape
            response = self.error_response(request, exc)
        response["X-Parley-Node"] = settings.NODE_ID
        return response

    def error_response(self, request: HttpRequest, exc: Exception) -> JsonResponse:
        if is_database_outage(exc):
            # As config.errors answers for the REST API: nothing was written, so retry.
            logger.warning("database unavailable in %s: %s", request.path_info, exc)
            response = JsonResponse(
                error_body(ServiceUnavailable.code, ServiceUnavailable.message), status=503
            )
            response["Retry-After"] = "2"
            return response
        # The same last resort as Django's handler, in our shape.
        got_request_exception.send(sender=self.__class__, request=request)
        logger.exception("unhandled error in %s", request.path_info)
        fallback = response_for_exception(request, exc)
        return JsonResponse(
            error_body("server_error", "Internal server error."), status=fallback.status_code
        )


def build_application(http):
    """HTTP goes to `http` (config.routes), WebSocket `/ws/` to the events consumer."""
    websocket = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    return ProtocolTypeRouter({"http": http, "websocket": websocket})
