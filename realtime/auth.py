"""Who is asking for a stream: session, `Authorization: Bearer`, or `?token=` (EventSource)."""

import io
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken

from config.errors import DomainError, Forbidden
from config.lean import LeanRequest
from realtime import node_startup, revocations
from realtime.db import run_db


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


# Tokens already verified by this process: raw token -> (user id, expiry). A token's
# signature and claims never change, so a reconnect or the next send with the same token
# skips the HMAC and claim checks; expiry and the revoked set are still checked each time.
_verified: OrderedDict[str, tuple[int, float]] = OrderedDict()
VERIFIED_TOKENS_KEPT = 50_000


def _verified_user_id(raw: str) -> int:
    known = _verified.get(raw)
    if known is not None and known[1] > time.time():
        return known[0]
    try:
        token = AccessToken(raw)
    except TokenError as exc:
        _verified.pop(raw, None)
        raise StreamAuthError(401, "token_not_valid", "Token is invalid or expired.") from exc
    user_id = int(token[api_settings.USER_ID_CLAIM])
    _verified[raw] = (user_id, float(token["exp"]))
    if len(_verified) > VERIFIED_TOKENS_KEPT:
        _verified.popitem(last=False)
    return user_id


def user_from_token(raw: str) -> StreamUser:
    user_id = _verified_user_id(raw)
    if revocations.is_revoked(user_id):
        raise StreamAuthError(401, "token_not_valid", "Token is invalid or expired.")
    return StreamUser(pk=user_id)


async def authenticate_stream(request: HttpRequest) -> StreamUser:
    raw = _bearer_token(request)
    if raw is not None:
        return user_from_token(raw)
    user = await request.auser()
    if not user.is_authenticated or not user.is_active or revocations.is_revoked(user.pk):
        raise StreamAuthError(
            401, "not_authenticated", "Authentication credentials were not provided."
        )
    return StreamUser(pk=user.pk)


NOT_AUTHENTICATED = "Authentication credentials were not provided."


def _claims_user(user_id: int):
    """A User with only its pk, from verified credentials: no query. The actions read its pk;
    whatever else they need of the user they read with their own statements."""
    return get_user_model()(id=user_id)


async def authenticate_write(request: LeanRequest):
    """The caller of a lean write, by `Authorization: Bearer` (the token's claims and the
    node's revoked set: no query) or by the browser session, whose writes need CSRF."""
    # The node's router loads the revoked set and follows its changes (once per process).
    await node_startup.ensure_started()
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme != "Bearer" or not raw.strip():
            raise NotAuthenticated("not_authenticated", "Malformed Authorization header.")
        try:
            user = user_from_token(raw.strip())
        except StreamAuthError as exc:
            raise NotAuthenticated(exc.code, exc.message) from exc
        request.user = _claims_user(user.pk)
        return request.user
    django_request = ASGIRequest(request.scope, io.BytesIO(request.body))
    session_id = django_request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_id:
        raise NotAuthenticated("not_authenticated", NOT_AUTHENTICATED)
    session = await run_db(_session_user_id, session_id)
    if session is None or revocations.is_revoked(session):
        raise NotAuthenticated("not_authenticated", NOT_AUTHENTICATED)
    # Django's own check, as DRF's SessionAuthentication enforces it.
    reason = _CsrfCheck(lambda _request: None).process_view(django_request, None, (), {})
    if reason is not None:
        raise Forbidden(f"CSRF Failed: {reason}")
    request.user = _claims_user(session)
    return request.user


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request: HttpRequest, reason: str) -> str:
        return reason  # the reason, for our error shape, instead of Django's 403 page


def _session_user_id(session_key: str) -> int | None:
    """The session's user id (one session read); whether the user is active is the revoked
    set's business, as for tokens."""
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)
    user_id = store.get(SESSION_KEY)
    return int(user_id) if user_id is not None else None


class NotAuthenticated(DomainError):
    status_code = 401

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
