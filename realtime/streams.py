"""One client's position in its channels, shared by the SSE, long-poll and WebSocket transports.

A connection registers its listener before it reads the event log, so nothing
published in between is missed; events that arrive both ways are told apart by
their per-channel ids. Each channel's ids grow by exactly one, so a live event
that skips ahead means one was lost on the way: the connection then catches up
from the log instead. Live events wait in django-eventstream's bounded
per-listener queue; when it overflows, the log is the source again. Memory per
connection therefore stays bounded however fast events come.
"""

import asyncio
import json
import time
from dataclasses import dataclass
from urllib.parse import unquote

from django_eventstream.utils import make_id, parse_last_event_id
from django_eventstream.views import get_listener_manager

from realtime import event_types, metrics, node_startup
from realtime.event_router import Subscriber, get_router
from realtime.storage import storage_instance

CATCHUP_BATCH = 100


class InvalidResumeId(ValueError):
    pass


@dataclass
class Frame:
    event: str
    data: str  # JSON text
    id: str | None = None


def parse_resume_ids(raw: str | None, channels: list[str] | None) -> dict[str, int]:
    """Positions from a Last-Event-ID like `user-7:42,broadcast:3` (django-eventstream's format),
    for `channels` only (None: every channel named; the caller filters later)."""
    if not raw:
        return {}
    if len(raw) > 4096:
        raise InvalidResumeId("Last-Event-ID is too long.")
    try:
        parsed = parse_last_event_id(raw)
        positions = {unquote(channel): int(value) for channel, value in parsed.items()}
    except (ValueError, TypeError) as exc:
        raise InvalidResumeId("Last-Event-ID is not in the form channel:id,...") from exc
    if any(value < 0 or value > 2**62 for value in positions.values()):
        raise InvalidResumeId("Last-Event-ID holds an id out of range.")
    if channels is None:
        return positions
    return {channel: value for channel, value in positions.items() if channel in channels}


class Connection(Subscriber):
    def __init__(
        self,
        *,
        user_id: int,
        channels: list[str],
        resume: dict[str, int],
        find_topics: bool = False,
    ) -> None:
        """With `find_topics`, `channels` are the user's own and broadcast, and open() adds
        the user's topics with the same read that fixes the positions; `resume` is then
        kept only for the channels the stream ends up with."""
        super().__init__(user_id=user_id, channels=channels)
        self._find_topics = find_topics
        self._resume = resume
        self.resumed = bool(resume)

    # --- lifecycle ---------------------------------------------------------------

    async def open(self) -> None:
        """Start listening, then fix the starting position of every channel."""
        self.listener.assign_loop()
        router = await node_startup.ensure_started()
        # Subscribed before the positions are read, so nothing published in between is missed.
        await router.attach(self)
        topics: list[str] = []
        if self._find_topics:
            topics, current = await storage_instance.atopics_and_current_ids(
                self.user_id, self.channels
            )
            if topics:
                # Subscribed after their positions were read: the first read catches up.
                await router.add_channels(self, topics)
            self._resume = {c: v for c, v in self._resume.items() if c in self.channels}
            self.resumed = bool(self._resume)
        else:
            missing = [channel for channel in self.channels if channel not in self._resume]
            current = await storage_instance.acurrent_ids(missing) if missing else {}
        self.positions = {
            **{channel: current.get(channel, 0) for channel in self.channels},
            **self._resume,
        }
        self.needs_catchup = bool(self._resume) or bool(topics)
        if self.resumed:
            metrics.REPLAYS.inc()

    async def close_transport(self) -> None:
        self.listener.aevent.set()
        await get_router().detach(self)

    @property
    def event_id(self) -> str:
        return make_id(self.positions)

    # --- reading ---------------------------------------------------------------------------

    async def next_frames(self, *, timeout: float) -> list[Frame] | None:
        """The next events to send; [] when `timeout` passed quietly; None once closed."""
        if self.closing:
            return None
        if not self.needs_catchup:
            try:
                await asyncio.wait_for(self.listener.aevent.wait(), timeout=timeout)
            except TimeoutError:
                return []
        if self.closing:
            return None
        frames = self._take_live()
        if self.listener.error:
            return None
        if self.needs_catchup:
            frames.extend(await self._catch_up())
        return frames

    def _take_live(self) -> list[Frame]:
        manager = get_listener_manager()
        with manager.lock:
            queued = self.listener.channel_items
            overflow = self.listener.overflow
            self.listener.channel_items = {}
            self.listener.overflow = False
            self.listener.aevent.clear()
        if overflow:
            self.needs_catchup = True
        frames: list[Frame] = []
        now = time.time()
        for channel, events in queued.items():
            for event in events:
                if event.id is None:  # ephemeral: typing, presence, stream control
                    if event.type == event_types.STREAM_RECONNECT_REQUEST:
                        self.closing = json.loads(event.data).get("reason", "reconnect")
                    else:
                        frames.append(Frame(event.type, event.data))
                    continue
                position = self.positions.get(channel, 0)
                if event.id <= position:
                    continue  # already sent from the log
                if event.id > position + 1 or self.needs_catchup:
                    self.needs_catchup = True  # a gap: the log fills it, in order
                    continue
                self.positions[channel] = event.id
                frames.append(Frame(event.type, event.data, self.event_id))
                published_at = getattr(event, "published_at", None)
                if published_at:
                    metrics.DELIVERY_LATENCY.observe(max(0.0, now - published_at))
        return frames

    async def _catch_up(self) -> list[Frame]:
        catchup = await storage_instance.aevents_since(dict(self.positions), limit=CATCHUP_BATCH)
        frames: list[Frame] = []
        if catchup.resets:
            self.positions.update(catchup.resets)
            metrics.STREAM_RESETS.inc()
            data = json.dumps({"channels": sorted(catchup.resets)})
            frames.append(Frame(event_types.STREAM_RESET, data, self.event_id))
        for channel, events in catchup.events.items():
            for event in events:
                self.positions[channel] = event.id
                frames.append(Frame(event.type, event.data, self.event_id))
        # Still more in the log: stay in catch-up mode so the caller comes straight back.
        self.needs_catchup = bool(catchup.more)
        return frames


async def wait_for_frames(connection: Connection, timeout: float) -> list[Frame]:
    """The next frames within `timeout` s, or [] when it passes or the connection closes.

    A wake-up that brings nothing to send (the live copy of an event the log already
    gave, a sweep that found nothing) keeps waiting: it does not end the poll early,
    which made clients poll again every few seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        frames = await connection.next_frames(timeout=remaining)
        if frames is None or frames:
            return frames or []
    return []
