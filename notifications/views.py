"""The browser side of notifications: the settings page, the service worker and the push
client module."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from accounts.api.serializers import MeSerializer
from notifications.models import Channel, NotificationType
from notifications.preferences import IN_APP

JAVASCRIPT = "text/javascript; charset=utf-8"


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """/settings: profile, notifications, privacy, security and the account. The page reads
    and writes everything through the JSON API (static/js/settings.js)."""
    context = {
        "me": MeSerializer(request.user).data,
        "notification_types": [
            {"value": kind.value, "label": kind.label} for kind in NotificationType
        ],
        "channels": [{"value": IN_APP, "label": "In the app"}]
        + [{"value": channel.value, "label": channel.label} for channel in Channel],
        "time_zones": sorted(zoneinfo.available_timezones()),
    }
    return render(request, "notifications/settings.html", context)


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
