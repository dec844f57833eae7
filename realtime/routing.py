from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path


def build_application(django_asgi_app):
    from realtime.asgi import RealtimeHandler
    from realtime.consumers import EventsConsumer

    realtime_http = RealtimeHandler()

    async def http(scope, receive, send):
        app = realtime_http if realtime_http.handles(scope) else django_asgi_app
        await app(scope, receive, send)

    # Origins are checked in the consumer: token clients (mobile) send none.
    websocket = AuthMiddlewareStack(URLRouter([path("ws/", EventsConsumer.as_asgi())]))
    return ProtocolTypeRouter({"http": http, "websocket": websocket})
