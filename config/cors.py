"""CORS for the paths that bypass Django's middleware, with the one policy of the `CORS_*`
settings (django-cors-headers does the deciding everywhere).

- The REST API through Django: `corsheaders.middleware.CorsMiddleware` in settings.MIDDLEWARE.
- `/events/` and `/api/v1/poll` (realtime/asgi.py): their async views are wrapped in that same
  middleware class (`with_cors`), which also answers their preflights.
- The lean hot writes (config/lean.py, via config/routes.py): plain ASGI with no request
  object, so `with_cors_headers` adds the headers the middleware would have added to the
  answer's `http.response.start`. Their preflights are `OPTIONS`, which the lean path does
  not serve: Django answers them, through the middleware.
"""

from collections.abc import Awaitable, Callable

from corsheaders.conf import conf
from corsheaders.middleware import CorsMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseBase

AsyncView = Callable[[HttpRequest], Awaitable[HttpResponseBase]]
Send = Callable[[dict], Awaitable[None]]

_policy = CorsMiddleware(lambda request: HttpResponse())  # only its header logic is used


def with_cors(routes: dict[str, AsyncView]) -> dict[str, AsyncView]:
    """The same route table, each async view answering preflights and adding CORS headers."""
    return {path: CorsMiddleware(view) for path, view in routes.items()}


def _headers_for(scope: dict, origin: str) -> list[tuple[bytes, bytes]]:
    request = HttpRequest()
    request.method = scope["method"]
    request.path = request.path_info = scope["path"]
    request.META["HTTP_ORIGIN"] = origin
    probe = HttpResponse()
    _policy.add_response_headers(request, probe)
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in probe.headers.items()
        if name.lower().startswith("access-control-") or name.lower() == "vary"
    ]


def with_cors_headers(scope: dict, send: Send) -> Send:
    """`send`, adding the CORS headers for this request's Origin to the response start."""
    origin = next((value for name, value in scope["headers"] if name == b"origin"), None)
    if origin is None or not (
        conf.CORS_ALLOWED_ORIGINS or conf.CORS_ALLOWED_ORIGIN_REGEXES or conf.CORS_ALLOW_ALL_ORIGINS
    ):
        return send
    extra = _headers_for(scope, origin.decode("latin-1"))

    async def send_with_cors(message: dict) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return send_with_cors
