"""Small response middleware of our own.

Every middleware here is plain sync: the Django chain is built in sync mode
(`config.handlers.SyncChainASGIHandler`) and the long-lived async endpoints bypass it
(`realtime.asgi`), so an async branch would never run. Were the chain ever built in
async mode, Django adapts sync middleware by itself.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class NodeHeaderMiddleware:
    """Names the node that answered, so operators (and tests) can see the balancing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["X-Parley-Node"] = settings.NODE_ID
        return response
