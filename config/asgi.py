"""ASGI entry point for daphne: HTTP (including SSE) and WebSocket."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup(set_prefix=False)

from config.daphne import use_raw_body_requests  # noqa: E402
from config.handlers import SyncChainASGIHandler  # noqa: E402
from config.routes import build_http_app  # noqa: E402

use_raw_body_requests()
django_asgi_app = SyncChainASGIHandler()

from realtime.asgi import build_application  # noqa: E402

application = build_application(build_http_app(django_asgi_app))

from config.gc import settle_after_startup  # noqa: E402

settle_after_startup()
