from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from realtime.models import ApiKey


class IsPublisher(BasePermission):
    """A valid API key, or a staff user."""

    def has_permission(self, request: Request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
