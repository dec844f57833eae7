"""API helpers shared by every app: id bounds, strict fields, the user reference payload.

They live here, below the apps, so that groups and notifications need not import chat's
API to validate an id or describe a user.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

if TYPE_CHECKING:
    from accounts.models import User

MAX_ID = 2**63 - 1  # the largest BIGINT: larger ids cannot exist and must not reach SQL


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdPathAPIView(APIView):
    """An API view whose integer path ids beyond BIGINT are a 404, not a database error.

    Django's `int` converter takes any number of digits; SQLite cannot even bind
    such a number, so it must not reach a query.
    """

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, int) and value > MAX_ID for value in kwargs.values()):
            raise NotFound()


# --- payloads: the same dicts in API bodies, real-time events and notifications -----


def iso(value: datetime | None) -> str | None:
    """Datetimes as DRF renders them (ISO 8601, UTC as "Z"), for identical API and events."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def user_data(user: User) -> dict[str, Any]:
    """A user as others see them: the body `UserRefSerializer` documents."""
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "initials": user.initials,
        "avatar_colour": user.avatar_colour,
    }


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    initials = serializers.CharField()
    avatar_colour = serializers.CharField()
