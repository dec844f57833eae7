from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config import health

handler400 = "config.errors.handler400"
handler403 = "config.errors.handler403"
handler404 = "config.errors.handler404"
handler500 = "config.errors.handler500"

api_v1 = [
    path("auth/", include("accounts.api.auth_urls")),
    path("", include("accounts.api.urls")),
    path("", include("chat.api.urls")),
    path("", include("groups.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("realtime.api.urls")),
]

urlpatterns = [
    path("health", health.health, name="health"),
    path("health/ready", health.ready, name="health-ready"),
    path("", include("django_prometheus.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    path("", include("realtime.urls")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("chat.urls")),
]
