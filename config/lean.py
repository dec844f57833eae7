"""The lean path for the hot writes: plain ASGI, no Django request cycle, no DRF.

A message send through Django and DRF spends most of its CPU in the framework around the
action: the request object, sixteen middleware hooks, DRF's request wrapping, content
negotiation, authentication with a user query, the serializer and the response. The
endpoints clients call for every message (send, delivered, read, typing) are served here
instead, on the node's event loop, with the same URLs, contract and error shape, the same
throttles (DRF's, with the same cache keys), the request id and access line of
config.logging, and metrics of their own. Their domain actions are the same functions
the DRF views call, run in one hop to a worker thread.

`LeanApp` also sheds load for the whole node (`LoadShedder`): past NODE_MAX_IN_FLIGHT
requests in flight, or when work would start more than NODE_MAX_QUEUE_WAIT_MS after the
request arrived, a request is refused with `503` and `Retry-After` at once, before anything
is written, instead of queueing until the client gives up.
"""

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from csp.utils import build_policy
from django.conf import settings
from prometheus_client import Counter, Histogram

from config import logging as parley_logging
from config.errors import DomainError, ServiceUnavailable, error_body, is_database_outage

logger = logging.getLogger(__name__)

ARRIVED = "parley.arrived"  # scope key: time.monotonic() when the request reached the node

HOT_REQUESTS = Counter(
    "parley_hot_requests_total",
    "Requests served by the lean hot-path endpoints, by endpoint and status.",
    ["endpoint", "status"],
)
HOT_LATENCY = Histogram(
    "parley_hot_request_seconds",
    "Time to answer a lean hot-path request, by endpoint.",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
SHED = Counter(
    "parley_requests_shed_total",
    "Requests refused with 503 because the node was over its limit, by reason.",
    ["reason"],
)

# The header django-csp's middleware sends on Django's responses, built once from the same
# setting (CONTENT_SECURITY_POLICY).
CONTENT_SECURITY_POLICY = build_policy().encode()

_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class Shed(Exception):
    """The node is over its limit: answer 503 + Retry-After, having done nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LeanRequest:
    """One HTTP request as the lean endpoints need it (what config.logging reads, too)."""

    def __init__(self, scope: dict, body: bytes) -> None:
        self.scope = scope
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.body = body
        self.headers: dict[str, str] = {
            name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]
        }
        incoming = self.headers.get("x-request-id", "")
        self.request_id = (
            incoming
            if parley_logging.valid_request_id(incoming)
            else parley_logging.new_request_id()
        )
        # Set by authentication: a User built from verified claims (only its pk is known).
        self.user: Any = None

    def json(self) -> Any:
        """The body as JSON; an empty body is an empty object."""
        if not self.body:
            return {}
        try:
            return _decoder.decode(self.body)
        except msgspec.DecodeError as exc:
            raise BadRequest("parse_error", f"JSON parse error - {exc}") from exc


class BadRequest(DomainError):
    def __init__(self, code: str, message: str, fields: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields or {}


@dataclass
class LeanResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def json_response(status: int, data: Any) -> LeanResponse:
    return LeanResponse(status, _encoder.encode(data), [(b"content-type", b"application/json")])


def error_response(
    status: int,
    code: str,
    message: str,
    fields: dict | None = None,
    *,
    retry_after: int | None = None,
) -> LeanResponse:
    response = json_response(status, error_body(code, message, fields))
    if retry_after is not None:
        response.headers.append((b"retry-after", str(retry_after).encode()))
    return response


View = Callable[..., Awaitable[LeanResponse]]


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    pattern: re.Pattern
    view: View


class LoadShedder:
    """The node's limits: requests in flight, and how long a request may wait for its work.

    Waiting happens in two places: for a worker thread (checked where the work starts,
    `check_queue_wait`) and for the event loop itself, which parses requests and writes
    answers and events: a loop running late by more than the wait limit refuses new
    requests until it catches up (measured by a ticker every LAG_TICK_SECONDS).
    """

    LAG_TICK_SECONDS = 0.05

    def __init__(self) -> None:
        self.in_flight = 0
        self.loop_lag = 0.0
        self._ticker: asyncio.Task | None = None

    def admit(self, scope: dict) -> str | None:
        """Count the request in, or say why not (None: admitted)."""
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self._measure_lag())
        if self.in_flight >= settings.NODE_MAX_IN_FLIGHT:
            return "in_flight"
        if self.loop_lag > settings.NODE_MAX_QUEUE_WAIT_SECONDS:
            return "queue_wait"
        self.in_flight += 1
        scope[ARRIVED] = time.monotonic()
        return None

    def release(self) -> None:
        self.in_flight -= 1

    async def _measure_lag(self) -> None:
        while True:
            due = time.monotonic() + self.LAG_TICK_SECONDS
            await asyncio.sleep(self.LAG_TICK_SECONDS)
            self.loop_lag = max(0.0, time.monotonic() - due)


def check_queue_wait(scope: dict) -> None:
    """Raise Shed when the request has waited longer than NODE_MAX_QUEUE_WAIT_MS for its
    work to start. Called where the work starts (a worker thread), before any write."""
    arrived = scope.get(ARRIVED)
    if arrived is not None and time.monotonic() - arrived > settings.NODE_MAX_QUEUE_WAIT_SECONDS:
        raise Shed("queue_wait")


def shed_response(reason: str) -> LeanResponse:
    SHED.labels(reason).inc()
    return error_response(
        503,
        "overloaded",
        "This node is over its limit; retry shortly.",
        retry_after=settings.NODE_SHED_RETRY_AFTER_SECONDS,
    )


async def read_body(receive: Callable) -> bytes | None:
    """The request body; None when it exceeds DATA_UPLOAD_MAX_MEMORY_SIZE (or the client left)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_response(send: Callable, response: LeanResponse, request_id: str) -> None:
    headers = [
        *response.headers,
        (b"content-length", str(len(response.body)).encode()),
        (b"x-request-id", request_id.encode()),
        (b"x-parley-node", settings.NODE_ID.encode()),
        (b"content-security-policy", CONTENT_SECURITY_POLICY),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


class LeanApp:
    """Serves the routes it knows; `handles(scope)` says which requests those are."""

    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes

    def match(self, scope: dict) -> tuple[Route, dict[str, str]] | None:
        """The route and its path arguments; None for anything else, including another
        method on a route's path (GET history), which Django serves."""
        path, method = scope["path"], scope["method"]
        for route in self.routes:
            if route.method == method and (found := route.pattern.fullmatch(path)):
                return route, found.groupdict()
        return None

    async def __call__(self, scope: dict, receive, send, route: Route, kwargs: dict) -> None:
        started = time.perf_counter()
        body = await read_body(receive)
        if body is None:
            response = error_response(413, "request_too_large", "The request body is too large.")
            await send_response(send, response, parley_logging.new_request_id())
            return
        request = LeanRequest(scope, body)
        token = parley_logging.enter_request(request)
        try:
            response = await self._respond(route, request, kwargs)
            await send_response(send, response, request.request_id)
            elapsed = time.perf_counter() - started
            HOT_REQUESTS.labels(route.name, str(response.status)).inc()
            HOT_LATENCY.labels(route.name).observe(elapsed)
            parley_logging.log_access(
                request, status_code=response.status, duration_ms=round(elapsed * 1000, 1)
            )
        finally:
            parley_logging.leave_request(token)

    async def _respond(self, route: Route, request: LeanRequest, kwargs: dict) -> LeanResponse:
        try:
            return await route.view(request, **kwargs)
        except Shed as shed:
            return shed_response(shed.reason)
        except BadRequest as exc:
            return error_response(
                exc.status_code,
                exc.code,
                exc.message,
                exc.fields,
                retry_after=getattr(exc, "retry_after", None),
            )
        except DomainError as exc:
            return error_response(exc.status_code, exc.code, exc.message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_database_outage(exc):
                logger.warning("database unavailable in %s: %s", request.path, exc)
                return error_response(
                    503, ServiceUnavailable.code, ServiceUnavailable.message, retry_after=2
                )
            logger.exception("unhandled error in %s", request.path)
            return error_response(500, "server_error", "Internal server error.")
