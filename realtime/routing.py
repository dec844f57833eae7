from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path


def build_application(django_asgi_app):
    from realtime.consumers import EventsConsumer

    # Origins are checked in the consumer: token clients (mobile) send none.
    websocket = AuthMiddlewareStack(URLRouter([path("ws/", EventsConsumer.as_asgi())]))
    return ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket})
