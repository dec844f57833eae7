"""The browser app's pages. Everything after the first paint comes from the JSON API."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.api.serializers import MeSerializer


@login_required
def app(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    """The two-pane chat; `/c/<id>` opens that conversation (the page checks membership)."""
    context = {
        "me": MeSerializer(request.user).data,
        "open_conversation_id": conversation_id,
    }
    return render(request, "chat/app.html", context)


@staff_member_required
def node_dashboard(request: HttpRequest) -> HttpResponse:
    """Staff only: the live nodes, refreshed from GET /api/v1/nodes."""
    return render(request, "chat/nodes.html")
