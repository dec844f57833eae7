"""Who is online, shared by every node through the cache (Redis in production).

A node refreshes `presence:<user_id>` while the user has a stream open there;
the key expires PRESENCE_TTL_SECONDS after the last refresh, so the users of
a crashed node go offline within a minute.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache


def _key(user_id: int) -> str:
    return f"presence:{user_id}"


def mark_online(user_ids: Iterable[int]) -> None:
    cache.set_many(
        {_key(user_id): 1 for user_id in user_ids}, timeout=settings.PRESENCE_TTL_SECONDS
    )


def mark_offline(user_id: int) -> None:
    cache.delete(_key(user_id))


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    try:
        found = cache.get_many([_key(user_id) for user_id in user_ids])
    except Exception:  # noqa: BLE001 - presence is best effort; a Redis outage shows everyone offline
        return set()
    return {user_id for user_id in user_ids if _key(user_id) in found}
