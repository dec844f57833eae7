"""`/ws/`: the same events as `/events/` over one WebSocket, with the same resume semantics.

Each frame is a JSON text `{"id", "event", "data"}`; reconnect with
`?lastEventId=<the last id>` to replay what was missed. The same rules as the SSE stream:
SSE_MAX_STREAMS_PER_NODE and SSE_MAX_STREAMS_PER_USER count both kinds of stream (a refused
socket is accepted and closed at once with CLOSE_NODE_FULL or CLOSE_TOO_MANY_STREAMS, so that
clients can tell the two apart from a bad token), and a quiet stream sends a
`keep-alive` frame every SSE_HEARTBEAT_SECONDS.
"""

import asyncio
import json
from urllib.parse import parse_qsl, urlsplit

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from realtime import event_types, node_state, revocations
from realtime.auth import StreamAuthError, StreamUser, user_from_token
from realtime.channel_access import channels_for_user
from realtime.db import run_db
from realtime.event_router import get_router
from realtime.streams import Connection, Frame, InvalidResumeId, parse_resume_ids

CLOSE_UNAUTHORIZED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_TOO_MANY_STREAMS = 4429
CLOSE_UNAVAILABLE = 4503
CLOSE_NODE_FULL = 4503


class EventsConsumer(AsyncWebsocketConsumer):
    connection: Connection | None = None
    pump: asyncio.Task | None = None

    def _query(self) -> dict[str, str]:
        return dict(parse_qsl(self.scope.get("query_string", b"").decode()))

    def _origin_allowed(self) -> bool:
        origin = dict(self.scope.get("headers", [])).get(b"origin")
        if origin is None:
            return False
        # As Django validates a Host header: the domain without its port, so that a page
        # served on an explicit port (`http://127.0.0.1:8000`) is still our own.
        domain, _port = split_domain_port(urlsplit(origin.decode("latin-1")).netloc)
        return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)

    def _user(self, query: dict[str, str]) -> StreamUser:
        if token := query.get("token"):
            return user_from_token(token)
        # The session cookie is ambient authority: only our own pages may use it
        # (no cross-site WebSocket hijacking).
        if not self._origin_allowed():
            raise StreamAuthError(403, "bad_origin", "Origin not allowed.")
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or revocations.is_revoked(user.pk):
            raise StreamAuthError(401, "not_authenticated", "Authentication required.")
        return StreamUser(pk=user.pk)

    async def _refuse(self, code: int, reason: str) -> None:
        """Accept, then close with a code the client can read (a close before accepting
        reaches it only as an HTTP 403)."""
        await self.accept()
        await self.close(code=code, reason=reason)

    async def connect(self) -> None:
        query = self._query()
        if node_state.is_draining():
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        try:
            user = self._user(query)
        except StreamAuthError:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        if node_state.open_stream_count() >= settings.SSE_MAX_STREAMS_PER_NODE:
            await self._refuse(CLOSE_NODE_FULL, "node_full")
            return
        if get_router().connections_of(user.pk) >= settings.SSE_MAX_STREAMS_PER_USER:
            await self._refuse(CLOSE_TOO_MANY_STREAMS, "too_many_streams")
            return
        channels = await run_db(channels_for_user, user.pk)
        raw = query.get("lastEventId") or query.get("lastEventID") or query.get("last_event_id")
        try:
            resume = parse_resume_ids(raw, channels)
        except InvalidResumeId:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        self.connection = Connection(user_id=user.pk, channels=channels, resume=resume)
        await self.accept()
        try:
            await self.connection.open()
        except Exception:  # noqa: BLE001 - the layer or database is down
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        await self._send_frames([Frame(event_types.STREAM_OPEN, "{}", self.connection.event_id)])
        self.pump = asyncio.create_task(self._pump())

    async def _send_frames(self, frames: list[Frame]) -> None:
        for frame in frames:
            data = json.loads(frame.data) if frame.data else None
            await self.send(
                text_data=json.dumps({"id": frame.id, "event": frame.event, "data": data})
            )

    async def _pump(self) -> None:
        connection = self.connection
        while True:
            frames = await connection.next_frames(timeout=settings.SSE_HEARTBEAT_SECONDS)
            if frames is None:
                reason = connection.closing or "closed"
                await self._send_frames(
                    [
                        Frame(
                            event_types.STREAM_RECONNECT,
                            json.dumps({"reason": reason}),
                            connection.event_id,
                        )
                    ]
                )
                await self.close(code=1012)  # service restart: reconnect
                return
            await self._send_frames(frames or [Frame(event_types.KEEP_ALIVE, "", None)])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Clients only listen here; anything they send is ignored."""

    async def disconnect(self, code: int) -> None:
        if self.pump:
            self.pump.cancel()
        if self.connection:
            await self.connection.close_transport()
