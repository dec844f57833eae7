from django.urls import path

from realtime import views

urlpatterns = [
    path("events/", views.events, name="events"),
]
