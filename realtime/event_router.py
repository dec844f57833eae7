"""This node's side of the fan-out: channel-layer groups in, local listeners out.

One `NodeRouter` per process joins the layer group of every channel that has a
local listener and leaves it when the last one goes. It hands incoming events
to django-eventstream's listener manager, watches the layer with a ping so it
notices an outage, and after one makes every listener catch up from the event
log. A periodic sweep compares the log's counters with what listeners have
seen, so an event whose live push was lost still arrives.
"""

import asyncio
import logging
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from channels.layers import get_channel_layer
from django.conf import settings
from django_eventstream.views import get_listener_manager

from realtime import metrics, node_registry, node_state, presence, revocations
from realtime.db import run_db
from realtime.fanout import MESSAGE_TYPE, from_message, group_name
from realtime.storage import storage_instance

if TYPE_CHECKING:
    from realtime.streams import Connection

logger = logging.getLogger(__name__)

PING_TYPE = "node.ping"
PRESENCE_BATCH_SECONDS = 0.2
LAYER_SILENCE_SECONDS = 15.0


class NodeRouter:
    def __init__(self) -> None:
        self.node_channel: str | None = None
        self.channel_refs: Counter[str] = Counter()
        self.user_refs: Counter[int] = Counter()
        self.connections: set[Connection] = set()
        self.layer_healthy = True
        self._last_pong = time.monotonic()
        self._start_lock = asyncio.Lock()
        self._presence_changes: dict[int, bool] = {}
        self._presence_pending = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    # --- lifecycle -------------------------------------------------------------

    async def ensure_started(self) -> None:
        if self.node_channel is not None:
            return
        async with self._start_lock:
            if self.node_channel is not None:
                return
            # Stream opens and catch-ups wait on the database in worker threads; the loop's
            # default pool (cores + 4 threads) would queue a reconnect storm behind a few.
            asyncio.get_running_loop().set_default_executor(
                ThreadPoolExecutor(settings.REALTIME_DB_THREADS, thread_name_prefix="realtime-db")
            )
            layer = get_channel_layer()
            node_channel = await layer.new_channel("node.")
            await layer.group_add(revocations.CONTROL_GROUP, node_channel)
            await run_db(revocations.load)
            self.node_channel = node_channel
            self._tasks = [
                asyncio.create_task(self._receive_forever(), name="realtime-receive"),
                asyncio.create_task(self._watch_layer(), name="realtime-watchdog"),
                asyncio.create_task(self._sweep_forever(), name="realtime-sweep"),
                asyncio.create_task(self._refresh_presence(), name="realtime-presence"),
                asyncio.create_task(self._flush_presence(), name="realtime-presence-flush"),
                asyncio.create_task(node_registry.report_forever(), name="realtime-report"),
            ]
            from realtime import shutdown

            shutdown.install()

    # --- listeners ---------------------------------------------------------------

    async def attach(self, connection: "Connection") -> None:
        """Join the layer groups this connection needs, then start queueing for it."""
        await self.ensure_started()
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

    async def add_channels(self, connection: "Connection", channels: list[str]) -> None:
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

    async def detach(self, connection: "Connection") -> None:
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
        # Batched off the open/close path: a reconnect storm costs a few cache round
        # trips per batch instead of several per stream.
        self._presence_changes[user_id] = online
        self._presence_pending.set()

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

    # --- background tasks ----------------------------------------------------------

    async def _receive_forever(self) -> None:
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
                self._last_pong = time.monotonic()
            elif kind in (revocations.REVOKE_TYPE, revocations.RESTORE_TYPE):
                self.close_users(revocations.apply(message), reason="revoked")

    async def _watch_layer(self) -> None:
        """Ping our own channel through the layer, to notice an outage and the recovery.

        An outage is a ping the layer refuses, or no pong for LAYER_SILENCE_SECONDS (a
        busy event loop delays pongs by seconds, which is not an outage). On recovery
        the streams that missed events catch up from the log: one counters query finds
        them, so a node with thousands of streams does not re-read them all.
        """
        layer = get_channel_layer()
        interval = settings.REALTIME_PING_SECONDS
        while True:
            await asyncio.sleep(interval)
            refused = False
            try:
                await asyncio.wait_for(
                    layer.send(self.node_channel, {"type": PING_TYPE}), timeout=interval
                )
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - an outage is what we are watching for
                metrics.CHANNEL_LAYER_ERRORS.inc()
                refused = True
            silent_for = time.monotonic() - self._last_pong
            if (refused or silent_for > LAYER_SILENCE_SECONDS) and self.layer_healthy:
                self.layer_healthy = False
                self._last_pong = 0.0
                logger.warning("channel layer unavailable; streams will catch up from the log")
            elif not self.layer_healthy and not refused and silent_for <= 2 * interval:
                self.layer_healthy = True
                metrics.CHANNEL_LAYER_RECONNECTS.inc()
                logger.warning("channel layer back; replaying what streams missed")
                await self._resync_behind()

    async def _resync_behind(self) -> None:
        """Make every stream that is behind the event log's counters catch up."""
        if not self.connections:
            return
        try:
            counters = await run_db(storage_instance.get_current_ids, list(self.channel_refs))
        except asyncio.CancelledError:
            raise
        except Exception:  # the database may be down too: catch up everyone
            logger.warning("event-log counters unavailable; every stream catches up", exc_info=True)
            self.resync_all()
            return
        for connection in list(self.connections):
            if connection.is_behind(counters):
                connection.request_resync()

    async def _sweep_forever(self) -> None:
        """Safety net: a listener whose live push was lost still gets the event."""
        while True:
            await asyncio.sleep(settings.REALTIME_SWEEP_SECONDS)
            await self._resync_behind()

    async def _flush_presence(self) -> None:
        while True:
            await self._presence_pending.wait()
            await asyncio.sleep(PRESENCE_BATCH_SECONDS)
            self._presence_pending.clear()
            changes, self._presence_changes = self._presence_changes, {}
            # Decide on the state now: a user who left and came back within the batch stays.
            online = [user_id for user_id, up in changes.items() if up]
            offline = [
                user_id
                for user_id, up in changes.items()
                if not up and user_id not in self.user_refs
            ]
            await presence.users_connected(online)
            await presence.users_disconnected(offline)

    async def _refresh_presence(self) -> None:
        while True:
            await asyncio.sleep(settings.PRESENCE_TTL_SECONDS / 3)
            if self.user_refs:
                await presence.refresh(list(self.user_refs))
            # One node per interval settles the users of crashed nodes.
            try:
                await run_db(presence.settle_lapsed_once)
            except Exception:  # retried next interval
                logger.warning("settling lapsed presence failed", exc_info=True)


_routers: dict[asyncio.AbstractEventLoop, NodeRouter] = {}


def get_router() -> NodeRouter:
    """The router of the running event loop (daphne runs one per process)."""
    loop = asyncio.get_running_loop()
    router = _routers.get(loop)
    if router is None:
        router = _routers[loop] = NodeRouter()
    return router
