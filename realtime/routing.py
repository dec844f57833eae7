from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path


def build_application(django_asgi_app):
    from realtime.consumers import EventsConsumer

    websocket = AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter([path("ws/", EventsConsumer.as_asgi())]))
    )
    return ProtocolTypeRouter({"http": django_asgi_app, "websocket": websocket})
