from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ResponseMiddleware:
    """A middleware that only adjusts the response, natively sync or async as the chain is."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if iscoroutinefunction(self):
            return self.__acall__(request)
        return self.process(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        return self.process(request, await self.get_response(request))

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        raise NotImplementedError


class NodeHeaderMiddleware(ResponseMiddleware):
    """Names the node that answered, so operators (and tests) can see the balancing."""

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response["X-Parley-Node"] = settings.NODE_ID
        return response


class SyncChainMiddleware:
    """Innermost and sync-only, so that under ASGI the whole chain runs in one thread.

    Django adapts each middleware to the mode of the one inside it. With an async-capable
    innermost middleware, every MiddlewareMixin hook (sessions, CSRF, auth, messages…)
    becomes its own hop from the event loop to a thread and back, and WhiteNoise (sync
    only) then hops back again: about fifteen hops for one API call. From here outwards
    everything is sync, so a request costs one hop into a thread and the view runs there.
    The long-lived async endpoints do not pass through this chain (realtime/asgi.py).
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
