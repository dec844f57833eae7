from django.urls import path

from realtime.api import views as api_views

urlpatterns = [
    path(
        "channels/<slug:name>/subscribe", api_views.SubscribeView.as_view(), name="topic-subscribe"
    ),
    path(
        "channels/<slug:name>/unsubscribe",
        api_views.UnsubscribeView.as_view(),
        name="topic-unsubscribe",
    ),
    path("channels/<slug:name>/publish", api_views.PublishView.as_view(), name="topic-publish"),
    path("nodes", api_views.NodesView.as_view(), name="nodes"),
]
