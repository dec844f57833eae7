from django.urls import path

from accounts.api import views

urlpatterns = [
    path("users", views.UserListView.as_view(), name="user-list"),
]
