from django.urls import path

from groups.api import views

urlpatterns = [
    path("groups", views.GroupListView.as_view(), name="group-list"),
    path("groups/<int:group_id>", views.GroupDetailView.as_view(), name="group-detail"),
    path("groups/<int:group_id>/members", views.GroupMembersView.as_view(), name="group-members"),
    path(
        "groups/<int:group_id>/members/<int:user_id>",
        views.GroupMemberView.as_view(),
        name="group-member",
    ),
    path("groups/<int:group_id>/leave", views.GroupLeaveView.as_view(), name="group-leave"),
    path(
        "groups/<int:group_id>/presence", views.GroupPresenceView.as_view(), name="group-presence"
    ),
    path(
        "groups/<int:group_id>/presence/watch",
        views.GroupPresenceWatchView.as_view(),
        name="group-presence-watch",
    ),
]
