from django.urls import path

from chat import views

urlpatterns = [
    path("", views.app, name="app"),
    path("c/<int:conversation_id>", views.app, name="app-conversation"),
    path("ops/nodes", views.node_dashboard, name="node-dashboard"),
]
