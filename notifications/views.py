"""The browser side of Web Push: the service worker and a small client module."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.http import require_GET

JAVASCRIPT = "text/javascript; charset=utf-8"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: at the site root so that its scope is the whole app."""
    body = render_to_string(
        "notifications/sw.js",
        {"site_name": settings.SITE_NAME, "icon_url": static("img/favicon.svg")},
    )
    response = HttpResponse(body, content_type=JAVASCRIPT)
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on navigation; never serve a stale one from cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def push_client(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        render_to_string("notifications/push-client.js"), content_type=JAVASCRIPT
    )
    response["Cache-Control"] = "no-cache"
    return response
