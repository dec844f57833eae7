"""This node's event router: channel-layer groups in, local listeners out.

One `NodeRouter` per process joins the layer group of every channel that has a
local listener and leaves it when the last one goes, and hands the events that
arrive to django-eventstream's listener manager, whose per-listener queues the
streams read (realtime.streams). It only records what the node's other concerns
act on: the users whose first or last stream came or went (realtime.presence),
when the layer last answered a ping (realtime.resync). Each concern runs its own
loop; realtime.node_startup starts them.
"""

import asyncio
import time
from collections import Counter

from channels.layers import get_channel_layer
from django_eventstream.views import Listener, get_listener_manager

from realtime import metrics, node_state, revocations
from realtime.db import run_db
from realtime.fanout import MESSAGE_TYPE, from_message, group_name

PING_TYPE = "node.ping"


class Subscriber:
    """One stream as the router sees it: a user's listener on some channels, its position in
    each, and what the node asks of it (catch up from the log, close). realtime.streams'
    Connection is one."""

    def __init__(self, *, user_id: int, channels: list[str]) -> None:
        self.user_id = user_id
        self.channels = channels
        self.positions: dict[str, int] = {}
        self.listener = Listener()
        self.listener.user_id = user_id
        self.listener.channels = set(channels)
        self.needs_catchup = True
        self.closing: str | None = None
        # A long poll: it neither counts as an open stream nor announces going offline.
        self.transient = False

    def request_resync(self) -> None:
        self.needs_catchup = True
        self.listener.aevent.set()

    def close(self, reason: str) -> None:
        self.closing = reason
        self.listener.aevent.set()

    def is_behind(self, counters: dict[str, int]) -> bool:
        return any(
            counters.get(channel, 0) > self.positions.get(channel, 0) for channel in self.channels
        )


class NodeRouter:
    def __init__(self) -> None:
        self.node_channel: str | None = None
        self.channel_refs: Counter[str] = Counter()
        self.user_refs: Counter[int] = Counter()
        self.connections: set[Subscriber] = set()
        self.layer_healthy = True
        self.last_pong = time.monotonic()
        self.start_lock = asyncio.Lock()
        # Users whose first stream opened (True) or last one closed (False) since
        # realtime.presence last took them.
        self.presence_changes: dict[int, bool] = {}
        self.presence_pending = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def join_layer(self) -> None:
        """This node's own layer channel, in the control group (realtime.node_startup)."""
        layer = get_channel_layer()
        node_channel = await layer.new_channel("node.")
        await layer.group_add(revocations.CONTROL_GROUP, node_channel)
        await run_db(revocations.load)
        self.node_channel = node_channel

    # --- listeners ---------------------------------------------------------------

    async def attach(self, connection: Subscriber) -> None:
        """Join the layer groups this connection needs, then start queueing for it (the node
        has started: realtime.node_startup)."""
        layer = get_channel_layer()
        joined: list[str] = []
        try:
            for channel in connection.channels:
                if self.channel_refs[channel] == 0:
                    await layer.group_add(group_name(channel), self.node_channel)
                self.channel_refs[channel] += 1
                joined.append(channel)
        except Exception:
            for channel in joined:
                await self._release_channel(channel)
            metrics.CHANNEL_LAYER_ERRORS.inc()
            raise
        get_listener_manager().add_listener(connection.listener)
        self.connections.add(connection)
        if connection.transient:
            self._presence_change(connection.user_id, online=True)
            return
        node_state.stream_opened()
        metrics.STREAMS_OPEN.inc()
        metrics.STREAM_CONNECTIONS.inc()
        self.user_refs[connection.user_id] += 1
        if self.user_refs[connection.user_id] == 1:
            self._presence_change(connection.user_id, online=True)

    async def add_channels(self, connection: Subscriber, channels: list[str]) -> None:
        """Extend an attached connection with more channels (its topics, found on open)."""
        layer = get_channel_layer()
        manager = get_listener_manager()
        for channel in channels:
            if self.channel_refs[channel] == 0:
                await layer.group_add(group_name(channel), self.node_channel)
            self.channel_refs[channel] += 1
        manager.remove_listener(connection.listener)
        connection.channels = [*connection.channels, *channels]
        connection.listener.channels.update(channels)
        manager.add_listener(connection.listener)

    async def detach(self, connection: Subscriber) -> None:
        if connection not in self.connections:
            return
        self.connections.discard(connection)
        get_listener_manager().remove_listener(connection.listener)
        for channel in connection.channels:
            await self._release_channel(channel)
        if connection.transient:
            return
        node_state.stream_closed()
        metrics.STREAMS_OPEN.dec()
        metrics.STREAM_DISCONNECTIONS.inc()
        self.user_refs[connection.user_id] -= 1
        if self.user_refs[connection.user_id] <= 0:
            del self.user_refs[connection.user_id]
            self._presence_change(connection.user_id, online=False)

    def _presence_change(self, user_id: int, *, online: bool) -> None:
        # Batched off the open/close path (realtime.presence announces them): a reconnect
        # storm costs a few cache round trips per batch instead of several per stream.
        self.presence_changes[user_id] = online
        self.presence_pending.set()

    async def _release_channel(self, channel: str) -> None:
        self.channel_refs[channel] -= 1
        if self.channel_refs[channel] > 0:
            return
        del self.channel_refs[channel]
        try:
            await get_channel_layer().group_discard(group_name(channel), self.node_channel)
        except Exception:  # noqa: BLE001 - a stale subscription only costs filtered traffic
            metrics.CHANNEL_LAYER_ERRORS.inc()

    def connections_of(self, user_id: int) -> int:
        return self.user_refs.get(user_id, 0)

    def resync_all(self) -> None:
        for connection in list(self.connections):
            connection.request_resync()

    def close_users(self, user_ids: list[int], *, reason: str) -> None:
        wanted = set(user_ids)
        for connection in list(self.connections):
            if connection.user_id in wanted:
                connection.close(reason)

    def close_all(self, reason: str) -> None:
        for connection in list(self.connections):
            connection.close(reason)

    # --- the layer ------------------------------------------------------------------

    async def receive_forever(self) -> None:
        layer = get_channel_layer()
        manager = get_listener_manager()
        while True:
            try:
                message = await layer.receive(self.node_channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep the node's receiver alive through outages
                metrics.CHANNEL_LAYER_ERRORS.inc()
                await asyncio.sleep(0.5)
                continue
            kind = message.get("type")
            if kind == MESSAGE_TYPE:
                manager.add_to_queues(message["channel"], from_message(message))
            elif kind == PING_TYPE:
                self.last_pong = time.monotonic()
            elif kind in (revocations.REVOKE_TYPE, revocations.RESTORE_TYPE):
                self.close_users(revocations.apply(message), reason="revoked")


_routers: dict[asyncio.AbstractEventLoop, NodeRouter] = {}


def get_router() -> NodeRouter:
    """The router of the running event loop (daphne runs one per process)."""
    loop = asyncio.get_running_loop()
    router = _routers.get(loop)
    if router is None:
        router = _routers[loop] = NodeRouter()
    return router
