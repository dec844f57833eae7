"""Structured logs: every line names its request, user and node; secrets never reach a log.

- `RequestContextMiddleware` gives each request an id (the client's or nginx's `X-Request-ID`
  when it is well-formed, else a new one), echoes it in the response, remembers the request for
  the log filter, and writes one access line per request (`parley.request`).
- `RequestContextFilter` (on the handler, so it sees every logger's records) adds
  `request_id`, `user_id` and `node_id` to each record and scrubs tokens and passwords from
  the message.
- `JsonFormatter` (python-json-logger) writes one JSON object per line (production, `LOG_JSON=1`);
  `PlainFormatter` a readable line (development).

Nothing here logs request or response bodies; the access line has the method, the path and a
scrubbed query string.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pythonjsonlogger.json
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"
# Ids from outside are kept only when they cannot forge log content.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Paths polled by machines: logged at DEBUG so they do not drown the access log.
_QUIET_PATH_PREFIXES = ("/health", "/metrics", "/static/")

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "parley_request", default=None
)

access_logger = logging.getLogger("parley.request")

# --- Scrubbing -----------------------------------------------------------------------------

REDACTED = "[redacted]"
# Names of secret parameters (not a secret): anything ending in token, password, secret or key
# (access_token, api_key, Idempotency-Key...), and the JWT pair's `access` and `refresh`.
_SECRET_PARAMETERS = r"[\w-]*?(?:token|password|passwd|secret|key)|access|refresh"  # noqa: S105
_SECRET_PATTERNS = [
    # ?token=...&x=1, "password": "..." style key/value pairs in query strings and messages
    (re.compile(rf"(?i)\b({_SECRET_PARAMETERS})=([^&\s\"']+)"), rf"\1={REDACTED}"),
    (
        re.compile(rf"(?i)([\"']({_SECRET_PARAMETERS})[\"']\s*:\s*)[\"'][^\"']*[\"']"),
        rf'\1"{REDACTED}"',
    ),
    # Authorization headers: "Bearer eyJ...", "Api-Key pk_..."
    (re.compile(r"(?i)\b(bearer|api-key)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    # A bare JWT anywhere (three base64url parts, the first one a JSON header)
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), REDACTED),
]


def scrub(text: str) -> str:
    """`text` with token, password and key values replaced by `[redacted]`."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# --- Request context -------------------------------------------------------------------------


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    request = _current_request.get()
    return getattr(request, "request_id", None) if request is not None else None


def _user_id(request: HttpRequest | None) -> int | None:
    """The authenticated user's id, only if authentication already ran.

    Django's `request.user` is lazy: evaluating it here would query the database from inside
    a log call (and fail in async code). DRF assigns the JWT user to the same attribute once
    the view authenticates, so later lines do carry it.
    """
    if request is None:
        return None
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject):  # _wrapped: tests/operations/test_private_internals.py
        if user._wrapped is empty:
            return None
        user = user._wrapped
    if not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestContextMiddleware:
    """Request id in, request id out, and one access log line per request.

    Plain sync, like every middleware of ours (see config/middleware.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = self._begin(request)
        try:
            started = time.perf_counter()
            response = self.get_response(request)
            return self._finish(request, response, started)
        finally:
            # A sync request shares its thread (and context) with the next one.
            _current_request.reset(token)

    def _begin(self, request: HttpRequest) -> contextvars.Token:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if valid_request_id(incoming) else new_request_id()
        return enter_request(request)

    def _finish(
        self, request: HttpRequest, response: HttpResponseBase, started: float
    ) -> HttpResponseBase:
        response[REQUEST_ID_HEADER] = request.request_id
        log_access(
            request,
            status_code=response.status_code,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            query=request.META.get("QUERY_STRING", ""),
            streaming=response.streaming,
        )
        return response


def valid_request_id(incoming: str) -> bool:
    return bool(_VALID_REQUEST_ID.match(incoming))


def enter_request(request: Any) -> contextvars.Token:
    """Make `request` (anything with `request_id` and, once known, `user`) the one that
    log lines of this context name."""
    return _current_request.set(request)


def leave_request(token: contextvars.Token) -> None:
    _current_request.reset(token)


def log_access(
    request: Any, *, status_code: int, duration_ms: float, query: str = "", streaming: bool = False
) -> None:
    """The one access line of a request (`parley.request`)."""
    path = request.path
    level = logging.DEBUG if path.startswith(_QUIET_PATH_PREFIXES) else logging.INFO
    if not access_logger.isEnabledFor(level):
        return
    access_logger.log(
        level,
        "%s %s %s %sms",
        request.method,
        f"{path}?{query}" if query else path,
        status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": path,
            "status_code": status_code,
            "duration_ms": duration_ms,
            "streaming": streaming,
        },
    )


# --- Filter and formatters ---------------------------------------------------------------------


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and node_id to every record, and scrubs its message."""

    def __init__(self, node_id: str = "", name: str = "") -> None:
        super().__init__(name)
        self.node_id = node_id

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs 4xx/5xx responses after the middleware chain has returned, passing the
        # request as an extra; elsewhere the request being handled is in the context.
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = _current_request.get()
        record.request_id = getattr(request, "request_id", None)
        record.user_id = _user_id(request)
        record.node_id = self.node_id
        # Render once, scrubbed; later handlers and formatters see only the clean text.
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line (python-json-logger): timestamp, level, logger, message,
    request/user/node ids, the access line's fields, and a scrubbed exception or stack."""

    # Only these keys reach the line: an extra nobody vetted (Django's `request`, whose repr
    # holds the full query string, or django.db.backends' `params`) never does.
    FIELDS = (
        *("timestamp", "level", "logger", "message", "request_id", "user_id", "node_id"),
        *("method", "path", "status_code", "duration_ms", "streaming", "exception", "stack"),
    )
    _SCRUBBED = ("message", "exception", "stack")

    def __init__(self) -> None:
        super().__init__(
            ["timestamp", "levelname", "name", "message", "request_id", "user_id", "node_id"],
            rename_fields={
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            timestamp=True,
            json_default=str,
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        log_data["timestamp"] = log_data["timestamp"].isoformat(timespec="milliseconds")
        for field in self._SCRUBBED:
            if field in log_data:
                log_data[field] = scrub(log_data[field])
        return {field: log_data[field] for field in self.FIELDS if field in log_data}


class PlainFormatter(logging.Formatter):
    """`2026-01-02 10:00:00,123 INFO parley.request [req-id user=7] GET /x 200 3ms`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(context)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        if request_id:
            user_id = getattr(record, "user_id", None)
            record.context = f"[{request_id[:12]} user={user_id or '-'}] "
        else:
            record.context = ""
        return scrub(super().format(record))
