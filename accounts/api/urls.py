from django.urls import path

from accounts.api import views

urlpatterns = [
    path("users", views.UserListView.as_view(), name="user-list"),
    path("users/blocked", views.BlockedUserListView.as_view(), name="user-blocked-list"),
    path("users/<int:user_id>/avatar", views.AvatarImageView.as_view(), name="user-avatar"),
]
