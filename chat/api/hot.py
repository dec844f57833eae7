"""The hot writes on the lean path (config.lean): send, delivered, read, typing.

Same URLs, bodies, answers and errors as the DRF views in chat/api/views.py, which stay for
the OpenAPI schema, the browsable API and the test client. A request here is parsed and
authenticated on the event loop (no user query), then its throttle (the DRF views' rates)
and its action run in one hop to a worker thread, which first makes sure the request has
not waited too long (config.lean.check_queue_wait: a shed request has written nothing).

Input that the quick checks here accept is exactly input the DRF serializer accepts; anything
else goes to that serializer, so errors have the same words and fields on both paths.
"""

import uuid
from typing import Any

from django.conf import settings

from chat import actions, events, selectors
from chat.api.bodies import message_rows
from chat.api.inputs import AckInput, SendInput
from config.api import MAX_ID
from config.errors import NotFound, validation_error
from config.lean import (
    BadRequest,
    LeanRequest,
    LeanResponse,
    check_queue_wait,
    json_response,
)
from config.throttling import SlidingWindowThrottle
from realtime import db as realtime_db
from realtime.auth import authenticate_write
from realtime.db import run_db

_throttles: dict[str, SlidingWindowThrottle] = {}


def _throttle_for(scope: str) -> SlidingWindowThrottle:
    throttle = _throttles.get(scope)
    if throttle is None:
        throttle = _throttles[scope] = SlidingWindowThrottle(scope)
    return throttle


def _throttle(request: LeanRequest, scope: str) -> None:
    """The scope's rate (DEFAULT_THROTTLE_RATES, as the DRF views), per user, in one round
    trip (config.throttling.SlidingWindowThrottle)."""
    wait = _throttle_for(scope).wait(request.user.pk)
    if wait is not None:
        raise Throttled(wait)


class Throttled(BadRequest):
    status_code = 429

    def __init__(self, wait: float | None) -> None:
        seconds = int(wait + 0.999) if wait else None
        detail = "Request was throttled."
        if seconds is not None:
            detail += f" Expected available in {seconds} second{'s' if seconds != 1 else ''}."
        super().__init__("throttled", detail)
        self.retry_after = seconds


def _conversation_id(raw: str) -> int:
    value = int(raw)
    if value > MAX_ID:
        raise NotFound()
    return value


def _drf_errors(serializer_class, data: Any, *, user: Any, conversation_id: int) -> dict:
    """What the DRF view answers for input the quick checks refused (outsiders get 404)."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data
    selectors.active_membership(user=user, conversation_id=conversation_id)
    message, fields = validation_error(serializer.errors)
    raise BadRequest("invalid", message, fields)


def _send_input(data: Any) -> dict | None:
    """{body, client_id} when plainly valid, else None (the serializer then decides)."""
    if not isinstance(data, dict) or "reply_to" in data or "attachment_ids" in data:
        return None  # replies and attachments: the serializer checks them
    body, client_id = data.get("body"), data.get("client_id")
    if not isinstance(body, str) or not isinstance(client_id, str):
        return None
    stripped = body.strip()
    if not stripped or len(stripped) > settings.MESSAGE_MAX_LENGTH or "\x00" in stripped:
        return None
    try:
        stripped.encode("utf-8")  # lone surrogates, which DRF refuses
        return {"body": stripped, "client_id": uuid.UUID(client_id)}
    except (ValueError, UnicodeEncodeError):
        return None


def _ack_input(data: Any) -> int | None:
    up_to = data.get("up_to") if isinstance(data, dict) else None
    if type(up_to) is int and 1 <= up_to <= MAX_ID:
        return up_to
    return None


async def _in_thread(request: LeanRequest, work, *args) -> Any:
    def run() -> Any:
        check_queue_wait(request.scope)
        return work(*args)

    return await run_db(run)


async def send_message(request: LeanRequest, conversation_id: str) -> LeanResponse:
    user = await authenticate_write(request)
    conversation = _conversation_id(conversation_id)
    data = request.json()
    parsed = _send_input(data)

    def work() -> tuple[dict, bool]:
        _throttle(request, "send")
        values = parsed or _drf_errors(SendInput, data, user=user, conversation_id=conversation)
        message, created = actions.send_message(author=user, conversation_id=conversation, **values)
        if created:  # nobody else can have it yet
            return events.message_data(message, status=events.Status.SENT), True
        ticks = selectors.ticks_by_conversation(conversation_ids=[conversation], viewer_id=user.pk)
        (body,) = message_rows([message], viewer=user, ticks=ticks[conversation])
        return body, False

    body, created = await _in_thread(request, work)
    return json_response(201 if created else 200, body)


async def _ack(request: LeanRequest, conversation_id: str, action) -> LeanResponse:
    user = await authenticate_write(request)
    conversation = _conversation_id(conversation_id)
    data = request.json()
    up_to = _ack_input(data)

    def work() -> dict:
        value = up_to or _drf_errors(AckInput, data, user=user, conversation_id=conversation)
        if isinstance(value, dict):
            value = value["up_to"]
        membership = action(user=user, conversation_id=conversation, up_to=value)
        return {
            "conversation_id": conversation,
            "last_delivered_message_id": membership.last_delivered_message_id,
            "last_read_message_id": membership.last_read_message_id,
            "unread_count": membership.unread_count,
        }

    return json_response(200, await _in_thread(request, work))


async def mark_delivered(request: LeanRequest, conversation_id: str) -> LeanResponse:
    return await _ack(request, conversation_id, actions.mark_delivered_up_to)


async def mark_read(request: LeanRequest, conversation_id: str) -> LeanResponse:
    return await _ack(request, conversation_id, actions.mark_read_up_to)


async def typing(request: LeanRequest, conversation_id: str) -> LeanResponse:
    user = await authenticate_write(request)
    conversation = _conversation_id(conversation_id)
    if realtime_db.async_enabled():  # one statement, then the throttle and the publish in one
        wait = await actions.apublish_typing(
            user=user, conversation_id=conversation, throttle=_throttle_for("typing")
        )
        if wait is not None:
            raise Throttled(wait)
        return LeanResponse(204)

    def work() -> None:
        _throttle(request, "typing")
        actions.publish_typing(user=user, conversation_id=conversation)

    await _in_thread(request, work)
    return LeanResponse(204)
