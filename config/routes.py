"""Which handler serves an HTTP request: the node's route table.

- the long-lived streams (`/events/`, `/api/v1/poll`: the table in realtime/urls.py):
  realtime's lean handler (realtime/asgi.py), counted by the stream caps, not the load shedder;
- the hot writes (send, delivered, read, typing): the lean path (config/lean.py, views in
  chat/api/hot.py); other methods on the same paths (GET history) go on to Django;
- everything else: Django with its middleware and DRF (config/handlers.py, config/urls.py).

Every request but the streams passes the node's load shedder first.
"""

import re

from config.cors import with_cors_headers
from config.lean import LeanApp, LoadShedder, Route, send_response, shed_response

UNSHED_PREFIXES = ("/health", "/metrics")
CONVERSATION = r"/api/v1/conversations/(?P<conversation_id>[0-9]+)"


def hot_routes() -> list[Route]:
    from chat.api import hot

    return [
        Route("send", "POST", re.compile(CONVERSATION + "/messages"), hot.send_message),
        Route("delivered", "POST", re.compile(CONVERSATION + "/delivered"), hot.mark_delivered),
        Route("read", "POST", re.compile(CONVERSATION + "/read"), hot.mark_read),
        Route("typing", "POST", re.compile(CONVERSATION + "/typing"), hot.typing),
    ]


def build_http_app(django_asgi_app):
    from config.logging import new_request_id
    from realtime.asgi import RealtimeHandler
    from realtime.db import served_by_node

    streams = RealtimeHandler()
    lean = LeanApp(hot_routes())
    shedder = LoadShedder()

    async def http(scope: dict, receive, send) -> None:
        if streams.handles(scope):
            await streams(scope, receive, send)
            return
        if scope["path"].startswith(UNSHED_PREFIXES):
            # Probes must answer even under load, or an orchestrator restarts a busy node.
            await django_asgi_app(scope, receive, send)
            return
        if reason := shedder.admit(scope):
            # With CORS headers, so a page on another origin reads the 503 and retries.
            await send_response(
                with_cors_headers(scope, send), shed_response(reason), new_request_id()
            )
            return
        try:
            if found := lean.match(scope):
                served_by_node.set(True)  # its actions may use the loop's connections
                await lean(scope, receive, with_cors_headers(scope, send), *found)
            else:
                await django_asgi_app(scope, receive, send)
        finally:
            shedder.release()

    return http
