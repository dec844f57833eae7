"""Database work for the async real-time paths, off the event loop and off the sync thread.

`sync_to_async(thread_sensitive=False)` runs on the loop's worker threads, each
keeping a persistent connection. No request signals run there, so a connection
that failed (PostgreSQL restarted, say) is closed here and the next call opens a
fresh one; healthy connections are reused without a per-call health check.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connection

T = TypeVar("T")


def _run_and_recycle(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except DatabaseError:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        raise


async def run_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await sync_to_async(_run_and_recycle, thread_sensitive=False)(fn, *args, **kwargs)
