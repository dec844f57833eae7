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
