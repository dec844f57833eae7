"""Database work for the async real-time paths, off the event loop and off the sync thread.

`sync_to_async(thread_sensitive=False)` runs on the loop's worker threads, each
keeping a persistent connection. No request signals run there, so stale or
broken connections (after a PostgreSQL restart) are recycled here before use.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

T = TypeVar("T")


def _with_fresh_connection(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    close_old_connections()
    return fn(*args, **kwargs)


async def run_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await sync_to_async(_with_fresh_connection, thread_sensitive=False)(fn, *args, **kwargs)
