"""Who is online, shared by every node through the cache (Redis in production).

While a user has a stream open on a node, that node refreshes `presence:<id>`
every PRESENCE_TTL_SECONDS / 3; the key expires a TTL after the last refresh, so
the users of a crashed node go offline within a minute. Transitions are sent
as ephemeral `presence` events to the user's contacts, whom the domain names
through the PRESENCE_AUDIENCE setting (a dotted path to `f(user_id) -> ids`).
The node's two presence loops are here too: one announces the users whose first or
last stream on this node came or went (as the node's router recorded them), one
keeps this node's users marked online.
"""

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from django.utils.module_loading import import_string

from realtime import event_types
from realtime.db import run_db

if TYPE_CHECKING:
    from realtime.event_router import NodeRouter

logger = logging.getLogger(__name__)

PRESENCE_BATCH_SECONDS = 0.2


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    try:
        found = cache.get_many([_key(user_id) for user_id in user_ids])
    except Exception:  # noqa: BLE001 - presence is best effort; a Redis outage shows everyone offline
        return set()
    return {user_id for user_id in user_ids if _key(user_id) in found}


def is_online(user_id: int) -> bool:
    return user_id in online_user_ids([user_id])


def _audiences(user_ids: list[int]) -> dict[int, list[int]]:
    path = getattr(settings, "PRESENCE_AUDIENCE", "")
    return import_string(path)(user_ids=user_ids) if path else {}


INDEX_KEY = "presence:index"


def _index_client():
    """The raw Redis client behind the cache, or None for the embedded local cache."""
    backend = getattr(cache, "_cache", None)
    return backend.get_client(write=True) if hasattr(backend, "get_client") else None


_local_index: set[int] = set()


def _index_add(user_ids: list[int]) -> None:
    client = _index_client()
    if client is None:
        _local_index.update(user_ids)
    elif user_ids:
        client.sadd(cache.make_key(INDEX_KEY), *user_ids)


def _index_remove(user_ids: list[int]) -> None:
    client = _index_client()
    if client is None:
        _local_index.difference_update(user_ids)
    elif user_ids:
        client.srem(cache.make_key(INDEX_KEY), *user_ids)


def indexed_user_ids() -> list[int]:
    """Users some node marked online and nobody has marked offline yet."""
    client = _index_client()
    if client is None:
        return sorted(_local_index)
    return sorted(int(member) for member in client.smembers(cache.make_key(INDEX_KEY)))


def _came_online(user_ids: list[int]) -> list[int]:
    """Mark users online; returns those who were not (three cache round trips in all)."""
    already = online_user_ids(user_ids)
    cache.set_many({_key(u): 1 for u in user_ids}, timeout=settings.PRESENCE_TTL_SECONDS)
    fresh = [user_id for user_id in user_ids if user_id not in already]
    _index_add(fresh)
    return fresh


def _went_offline(user_ids: list[int]) -> str:
    # last_seen first: whoever sees the user offline can read when they were last here.
    now = timezone.now()
    get_user_model().objects.filter(pk__in=user_ids).update(last_seen=now)
    cache.delete_many([_key(user_id) for user_id in user_ids])
    _index_remove(user_ids)
    return now.isoformat()


async def _announce(user_ids: list[int], *, online: bool, last_seen: str | None) -> None:
    """Tell each user's audience (one query for all of them), one ephemeral event each."""
    from realtime.publisher import apublish_ephemeral

    if not user_ids:
        return
    audiences = await run_db(_audiences, user_ids)
    for user_id in user_ids:
        if audience := audiences.get(user_id):
            payload = {"user_id": user_id, "online": online, "last_seen": last_seen}
            await apublish_ephemeral(event_types.PRESENCE, payload, user_ids=audience)


async def users_connected(user_ids: list[int]) -> None:
    """These users' first streams on this node opened (batched by the node's router)."""
    if not user_ids:
        return
    try:
        await _announce(await run_db(_came_online, user_ids), online=True, last_seen=None)
    except Exception:
        logger.warning("presence update failed for %d users", len(user_ids), exc_info=True)


async def users_disconnected(user_ids: list[int]) -> None:
    """These users' last streams on this node closed.

    If one still streams on another node, that node marks them online again at
    its next refresh.
    """
    if not user_ids:
        return
    try:
        last_seen = await run_db(_went_offline, user_ids)
        await _announce(user_ids, online=False, last_seen=last_seen)
    except Exception:
        logger.warning("presence update failed for %d users", len(user_ids), exc_info=True)


async def refresh(user_ids: list[int]) -> None:
    """Keep this node's users online; announce any whose mark had lapsed."""
    await users_connected(user_ids)


def expire_lapsed() -> list[int]:
    """Users whose presence mark lapsed without a goodbye (their node crashed): stamp their
    last_seen, tell their contacts, and drop them from the index. Returns their ids."""
    from realtime.publisher import publish_ephemeral_event

    indexed = indexed_user_ids()
    online = online_user_ids(indexed)
    lapsed = [user_id for user_id in indexed if user_id not in online]
    if not lapsed:
        return []
    now = timezone.now()
    get_user_model().objects.filter(pk__in=lapsed).update(last_seen=now)
    _index_remove(lapsed)
    audiences = _audiences(lapsed)
    for user_id in lapsed:
        if audience := audiences.get(user_id):
            payload = {"user_id": user_id, "online": False, "last_seen": now.isoformat()}
            publish_ephemeral_event(event_types.PRESENCE, payload, user_ids=audience, channels=())
    return lapsed


def settle_lapsed_once() -> list[int]:
    """expire_lapsed(), by at most one node per TTL interval."""
    if not cache.add("presence:settle-lock", 1, timeout=settings.PRESENCE_TTL_SECONDS // 2 or 1):
        return []
    return expire_lapsed()


async def flush_forever(router: "NodeRouter") -> None:
    """Announce, in batches, the users whose first stream on this node opened or last closed."""
    while True:
        await router.presence_pending.wait()
        await asyncio.sleep(PRESENCE_BATCH_SECONDS)
        router.presence_pending.clear()
        changes, router.presence_changes = router.presence_changes, {}
        # Decide on the state now: a user who left and came back within the batch stays.
        online = [user_id for user_id, up in changes.items() if up]
        offline = [
            user_id for user_id, up in changes.items() if not up and user_id not in router.user_refs
        ]
        await users_connected(online)
        await users_disconnected(offline)


async def refresh_forever(router: "NodeRouter") -> None:
    """Keep this node's users online; settle the users of crashed nodes."""
    while True:
        await asyncio.sleep(settings.PRESENCE_TTL_SECONDS / 3)
        if router.user_refs:
            await refresh(list(router.user_refs))
        # One node per interval settles the users of crashed nodes.
        try:
            await run_db(settle_lapsed_once)
        except Exception:  # retried next interval
            logger.warning("settling lapsed presence failed", exc_info=True)


# --- watchers: who has a group's member list open -----------------------------------------
# Presence reaches direct-chat peers always, and a group's members only while someone has that
# group's member panel open: the client "watches" the conversation (renewing every
# PRESENCE_WATCH_SECONDS / 2) and stops when the panel closes. A large group's members thus
# cost events only for the few people looking at its member list, never members x members.

WATCHED_KEY = "presence:watched"
_local_watchers: dict[int, dict[int, float]] = {}


def _watch_key(conversation_id: int) -> str:
    return cache.make_key(f"presence:watch:{conversation_id}")


def watch(*, conversation_id: int, user_id: int) -> int:
    """`user_id` sees the presence of `conversation_id`'s members for the next
    PRESENCE_WATCH_SECONDS; returns that lifetime in seconds."""
    lifetime = settings.PRESENCE_WATCH_SECONDS
    expires = time.time() + lifetime
    client = _index_client()
    if client is None:
        _local_watchers.setdefault(conversation_id, {})[user_id] = expires
        return lifetime
    pipe = client.pipeline()
    pipe.zadd(_watch_key(conversation_id), {str(user_id): expires})
    pipe.expire(_watch_key(conversation_id), lifetime * 2)
    pipe.sadd(cache.make_key(WATCHED_KEY), conversation_id)
    pipe.execute()
    return lifetime


def unwatch(*, conversation_id: int, user_id: int) -> None:
    client = _index_client()
    if client is None:
        _local_watchers.get(conversation_id, {}).pop(user_id, None)
        return
    client.zrem(_watch_key(conversation_id), str(user_id))


def watched_conversation_ids() -> list[int]:
    """Conversations that may have watchers (some may have just lapsed)."""
    client = _index_client()
    if client is None:
        return [cid for cid, viewers in _local_watchers.items() if viewers]
    try:
        return [int(member) for member in client.smembers(cache.make_key(WATCHED_KEY))]
    except Exception:  # noqa: BLE001 - presence is best effort
        return []


def watchers_of(conversation_ids: Iterable[int]) -> dict[int, list[int]]:
    """The live watchers of each conversation (one round trip); lapsed ones are dropped."""
    conversation_ids = list(conversation_ids)
    now = time.time()
    if not conversation_ids:
        return {}
    client = _index_client()
    if client is None:
        found = {}
        for cid in conversation_ids:
            viewers = _local_watchers.get(cid, {})
            for user_id in [u for u, until in viewers.items() if until <= now]:
                viewers.pop(user_id)
            found[cid] = sorted(viewers)
        return found
    pipe = client.pipeline()
    for cid in conversation_ids:
        pipe.zremrangebyscore(_watch_key(cid), "-inf", now)
        pipe.zrange(_watch_key(cid), 0, -1)
    replies = pipe.execute()
    found = {
        cid: sorted(int(v) for v in replies[2 * i + 1]) for i, cid in enumerate(conversation_ids)
    }
    if empty := [cid for cid, viewers in found.items() if not viewers]:
        client.srem(cache.make_key(WATCHED_KEY), *empty)
    return found
