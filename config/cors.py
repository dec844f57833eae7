"""CORS for the lean real-time handler (realtime/asgi.py), which runs no Django middleware.

The REST API gets its CORS headers from django-cors-headers' middleware (settings.MIDDLEWARE).
`/events/` and `/api/v1/poll` skip that chain, so their views are wrapped here in the same
middleware class: one policy (the `CORS_*` settings), preflights answered before the view
runs, and `Access-Control-Allow-Origin` added to every answer the view gives.
"""

from collections.abc import Awaitable, Callable

from corsheaders.middleware import CorsMiddleware
from django.http import HttpRequest, HttpResponseBase

AsyncView = Callable[[HttpRequest], Awaitable[HttpResponseBase]]


def with_cors(routes: dict[str, AsyncView]) -> dict[str, AsyncView]:
    """The same route table, each async view answering preflights and adding CORS headers."""
    return {path: CorsMiddleware(view) for path, view in routes.items()}
