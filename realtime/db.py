"""Database work for the async real-time paths, off the event loop and off the sync thread.

`sync_to_async(thread_sensitive=False)` runs on the loop's worker threads, where
no request signals close connections. With PostgreSQL each call hands its
connection back to the process's pool when it is done (cheap: the pool keeps it
open), so worker threads never sit on pool slots; a connection that failed
(PostgreSQL restarted, say) is discarded rather than returned.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection

T = TypeVar("T")


def _run_and_recycle(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return fn(*args, **kwargs)
    except DatabaseError:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        raise
    finally:
        if settings.IS_POSTGRES:
            connection.close()


async def run_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await sync_to_async(_run_and_recycle, thread_sensitive=False)(fn, *args, **kwargs)
