"""Who is asking for a stream: session, `Authorization: Bearer`, or `?token=` (EventSource)."""

from dataclasses import dataclass

from django.http import HttpRequest
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken


class StreamAuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StreamUser:
    """The caller of a stream. Built from a token without a database read, which keeps
    reconnect storms cheap; a deactivated user's stream lasts at most one access lifetime."""

    pk: int
    is_authenticated: bool = True

    @property
    def id(self) -> int:
        return self.pk


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer" or not token:
            raise StreamAuthError(401, "not_authenticated", "Malformed Authorization header.")
        return token.strip()
    return request.GET.get("token") or None


def user_from_token(raw: str) -> StreamUser:
    try:
        token = AccessToken(raw)
    except TokenError as exc:
        raise StreamAuthError(401, "token_not_valid", "Token is invalid or expired.") from exc
    return StreamUser(pk=int(token[api_settings.USER_ID_CLAIM]))


async def authenticate_stream(request: HttpRequest) -> StreamUser:
    raw = _bearer_token(request)
    if raw is not None:
        return user_from_token(raw)
    user = await request.auser()
    if not user.is_authenticated or not user.is_active:
        raise StreamAuthError(
            401, "not_authenticated", "Authentication credentials were not provided."
        )
    return StreamUser(pk=user.pk)
