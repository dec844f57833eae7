"""The event stream (`/events/`) and its long-poll fallback (`/api/v1/poll`).

Both are async views: while they wait they hold neither a thread nor a
database connection, only a listener in this node's router.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django_eventstream.utils import add_default_headers, sse_encode_error, sse_encode_event

from config.errors import error_body
from realtime import event_types, metrics, node_state
from realtime.auth import StreamAuthError, StreamUser, authenticate_stream
from realtime.channel_names import BROADCAST_CHANNEL, user_channel
from realtime.event_router import get_router
from realtime.send_buffer import SEND_BUFFER_PROBE
from realtime.streams import (
    Connection,
    Frame,
    InvalidResumeId,
    parse_resume_ids,
    wait_for_frames,
)


def _error(status: int, code: str, message: str, *, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse(error_body(code, message), status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _resume_id(request: HttpRequest, param: str = "lastEventId") -> str | None:
    return (
        request.headers.get("Last-Event-ID")
        or request.GET.get(param)
        or request.GET.get("lastEventID")
        or request.GET.get("last_event_id")
    )


async def _prepare(request: HttpRequest, resume_raw: str | None) -> tuple[StreamUser, Connection]:
    """The caller and their connection; its topics and positions come with one read when
    it opens (Connection.open), so preparing a stream reads nothing."""
    user = await authenticate_stream(request)
    try:
        resume = parse_resume_ids(resume_raw, None)
    except InvalidResumeId as exc:
        raise StreamAuthError(400, "invalid_last_event_id", str(exc)) from exc
    channels = [user_channel(user.pk), BROADCAST_CHANNEL]
    return user, Connection(user_id=user.pk, channels=channels, resume=resume, find_topics=True)


def _refusal_when_full(user: StreamUser | None = None) -> JsonResponse | None:
    if node_state.is_draining():
        return _error(503, "draining", "This node is shutting down; reconnect.", retry_after=1)
    if node_state.open_stream_count() >= settings.SSE_MAX_STREAMS_PER_NODE:
        return _error(503, "node_full", "This node holds all the streams it can.", retry_after=5)
    if user and get_router().connections_of(user.pk) >= settings.SSE_MAX_STREAMS_PER_USER:
        return _error(429, "too_many_streams", "Close another stream first.", retry_after=10)
    return None


def encode_frames(frames: list[Frame]) -> str:
    return "".join(sse_encode_event(f.event, f.data, event_id=f.id) for f in frames)


async def _keeps_up(request: HttpRequest) -> bool:
    """Backpressure: wait while the client is behind; hang up on one that stopped reading.

    While more than SSE_MAX_BUFFER_BYTES wait in the node for this client, the stream
    sends nothing more (so memory stays bounded by that plus one batch). If the client
    does not catch up within SSE_STALL_SECONDS, the connection is aborted, which frees
    the buffer at once; the client resumes from its last complete event.
    """
    probe = request.scope.get(SEND_BUFFER_PROBE) if hasattr(request, "scope") else None
    if probe is None or probe.buffered() <= settings.SSE_MAX_BUFFER_BYTES:
        return True
    deadline = time.monotonic() + settings.SSE_STALL_SECONDS
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if probe.buffered() <= settings.SSE_MAX_BUFFER_BYTES:
            return True
    probe.abort()
    metrics.SLOW_CONSUMER_DISCONNECTS.inc()
    return False


async def _sse(request: HttpRequest, connection: Connection) -> AsyncIterator[str]:
    """The stream of an opened connection (events() opened it, so an outage is a 503)."""
    try:
        opened = json.dumps({"node": settings.NODE_ID})
        yield f"retry: {settings.SSE_RETRY_MS}\n" + sse_encode_event(
            event_types.STREAM_OPEN, opened, event_id=connection.event_id
        )
        while True:
            if not await _keeps_up(request):
                return
            frames = await connection.next_frames(timeout=settings.SSE_HEARTBEAT_SECONDS)
            if frames is None:
                yield _closing_frame(connection)
                return
            if frames:
                for frame in frames:
                    metrics.EVENTS_DELIVERED.labels(frame.event).inc()
                yield encode_frames(frames)
            else:
                yield sse_encode_event(event_types.KEEP_ALIVE, "")
    finally:
        await connection.close_transport()


def _closing_frame(connection: Connection) -> str:
    error = connection.listener.error
    if error:
        return sse_encode_error(error["condition"], error["text"], extra=error.get("extra"))
    data = json.dumps({"reason": connection.closing, "retry_ms": settings.SSE_RETRY_MS})
    return f"retry: {settings.SSE_RETRY_MS}\n" + sse_encode_event(
        event_types.STREAM_RECONNECT, data, event_id=connection.event_id
    )


async def events(request: HttpRequest) -> HttpResponse:
    """The caller's Server-Sent Events stream: their channel, broadcast and their topics."""
    if request.method not in ("GET", "HEAD"):
        return _error(405, "method_not_allowed", f'Method "{request.method}" not allowed.')
    if refusal := _refusal_when_full():
        return refusal
    try:
        user, connection = await _prepare(request, _resume_id(request))
    except StreamAuthError as exc:
        return _error(exc.status, exc.code, exc.message)
    if refusal := _refusal_when_full(user):
        return refusal
    # Opened before the answer starts: the database or channel layer being down is a 503
    # the client retries, not a stream that ends at once. The handler closes a connection
    # whose stream never started (the client left first: realtime.asgi).
    request.stream_connection = connection
    try:
        await connection.open()
    except Exception:  # noqa: BLE001 - the channel layer or database is down
        await connection.close_transport()
        return _error(503, "service_unavailable", "Events are unavailable; retry.", retry_after=2)
    response = StreamingHttpResponse(_sse(request, connection), content_type="text/event-stream")
    add_default_headers(response, request=request)
    return response


async def poll(request: HttpRequest) -> JsonResponse:
    """Long-poll: events after `last_event_id` at once, or wait up to `timeout` s for one."""
    if request.method != "GET":
        return _error(405, "method_not_allowed", f'Method "{request.method}" not allowed.')
    try:
        timeout = float(request.GET.get("timeout", 25))
    except ValueError:
        return _error(400, "invalid", "timeout must be a number of seconds.")
    if not 0 <= timeout <= settings.LONG_POLL_MAX_SECONDS:
        return _error(400, "invalid", f"timeout must be 0..{settings.LONG_POLL_MAX_SECONDS}.")
    if node_state.is_draining():
        return _error(503, "draining", "This node is shutting down; retry.", retry_after=1)
    try:
        _user, connection = await _prepare(request, _resume_id(request, "last_event_id"))
    except StreamAuthError as exc:
        return _error(exc.status, exc.code, exc.message)
    connection.transient = True
    frames: list[Frame] = []
    try:
        await connection.open()
        if connection.resumed:
            frames = await connection.next_frames(timeout=0) or []
            if not frames and timeout > 0:
                metrics.LONG_POLL_WAITS.inc()
                frames = await wait_for_frames(connection, timeout)
    except Exception:  # noqa: BLE001 - database or channel layer down
        return _error(503, "service_unavailable", "Events are unavailable; retry.", retry_after=2)
    finally:
        await connection.close_transport()
    events = [
        {"id": frame.id, "event": frame.event, "data": json.loads(frame.data or "null")}
        for frame in frames
    ]
    return JsonResponse({"events": events, "last_event_id": connection.event_id})
