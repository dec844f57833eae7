from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path


def build_application(http):
    """HTTP goes to `http` (config.routes), WebSocket `/ws/` to the events consumer."""
    from realtime.consumers import EventsConsumer

    # Origins are checked in the consumer: token clients (mobile) send none.
    websocket = AuthMiddlewareStack(URLRouter([path("ws/", EventsConsumer.as_asgi())]))
    return ProtocolTypeRouter({"http": http, "websocket": websocket})
