from django.urls import path

from notifications import views

urlpatterns = [
    path("settings", views.settings_page, name="settings"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("notifications/push-client.js", views.push_client, name="push-client"),
]
