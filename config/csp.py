"""Content-Security-Policy for every response: scripts only from our own static files.

The web app (templates/chat/, static/js/) needs no inline script, so `script-src 'self'`
turns any injected `<script>` or `onerror=` attribute into a no-op even if escaping
ever failed. Streams and API responses carry the header too; it costs nothing there.
"""

from django.http import HttpRequest, HttpResponse

from config.middleware import ResponseMiddleware

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# drf-spectacular's Swagger UI page boots from an inline script; it keeps its own page.
EXEMPT_PREFIXES = ("/api/docs/",)


def _apply(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if "Content-Security-Policy" not in response and not request.path.startswith(EXEMPT_PREFIXES):
        response["Content-Security-Policy"] = POLICY
    return response


class ContentSecurityPolicyMiddleware(ResponseMiddleware):
    """Adds POLICY unless the view set its own header (sync and async alike)."""

    def process(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return _apply(request, response)
