from django.urls import path

from notifications.api import delivery_views, views

urlpatterns = [
    path("notifications", views.NotificationListView.as_view(), name="notification-list"),
    path(
        "notifications/unread-count",
        views.UnreadCountView.as_view(),
        name="notification-unread-count",
    ),
    path("notifications/read-all", views.ReadAllView.as_view(), name="notification-read-all"),
    path(
        "notifications/preferences",
        views.PreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("notifications/push-config", views.PushConfigView.as_view(), name="push-config"),
    path(
        "notifications/push-subscriptions",
        views.PushSubscriptionListView.as_view(),
        name="push-subscription-list",
    ),
    path(
        "notifications/push-subscriptions/<int:pk>",
        views.PushSubscriptionDetailView.as_view(),
        name="push-subscription-detail",
    ),
    path(
        "notifications/<int:pk>", views.NotificationDetailView.as_view(), name="notification-detail"
    ),
    path(
        "notifications/<int:pk>/read",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
    path("deliveries", delivery_views.DeliveryListView.as_view(), name="delivery-list"),
    path(
        "deliveries/retry-all",
        delivery_views.DeliveryRetryAllView.as_view(),
        name="delivery-retry-all",
    ),
    path(
        "deliveries/<int:pk>/retry",
        delivery_views.DeliveryRetryView.as_view(),
        name="delivery-retry",
    ),
]
