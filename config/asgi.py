"""ASGI entry point for daphne: HTTP (including SSE) and WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from realtime.routing import build_application  # noqa: E402

application = build_application(django_asgi_app)

from config.gc import settle_after_startup  # noqa: E402

settle_after_startup()
