"""The stream endpoints, in one table: every path a client opens a stream on.

On a node, config.routes hands the HTTP ones to realtime's lean handler (realtime.asgi)
and the WebSocket one to channels; elsewhere (Django's test client, `manage.py
runserver`) config.urls serves the HTTP ones through Django's URL resolver.
"""

from django.urls import path

from realtime import views
from realtime.consumers import EventsConsumer

# Path -> view, exactly as the ASGI scope names the path.
STREAM_VIEWS = {"/events/": views.events, "/api/v1/poll": views.poll}
STREAM_NAMES = {"/events/": "events", "/api/v1/poll": "poll"}

urlpatterns = [
    path(route.removeprefix("/"), view, name=STREAM_NAMES[route])
    for route, view in STREAM_VIEWS.items()
]

# Origins are checked in the consumer: token clients (mobile) send none.
websocket_urlpatterns = [path("ws/", EventsConsumer.as_asgi())]
