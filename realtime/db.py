"""Database work for the async real-time paths: on the node's loop, or off it in a thread.

Two ways, one rule each:

- `fetch_all` runs one statement on an async PostgreSQL connection of the node's loop, from
  a small psycopg pool of its own: the loop waits on PostgreSQL's socket itself, so a read
  costs one round trip and no thread. Only requests served on the node's own loop
  (`served_by_node`, set by the node's handlers) use it, and only on PostgreSQL
  (`async_enabled()`); a view run in a throwaway loop (Django's test client) or on SQLite
  (the embedded default, which has no async driver) uses `run_db`.
- `run_db` runs sync Django code with `sync_to_async(thread_sensitive=False)` on the loop's
  worker threads, where no request signals close connections. With PostgreSQL each call
  hands its connection back to the process's pool when it is done (cheap: the pool keeps it
  open), so worker threads never sit on pool slots; a connection that failed (PostgreSQL
  restarted, say) is discarded rather than returned.
"""

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.db.utils import DatabaseErrorWrapper
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

T = TypeVar("T")

# Set by the node's handlers (realtime.asgi, the lean hot path) for the requests they serve
# on the node's loop.
served_by_node: ContextVar[bool] = ContextVar("realtime_served_by_node", default=False)

_pools: dict[asyncio.AbstractEventLoop, asyncio.Task[AsyncConnectionPool]] = {}


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


def use_worker_threads() -> None:
    """Give the running loop REALTIME_DB_THREADS worker threads for `run_db` (node start).

    Stream opens and catch-ups wait on the database in worker threads; the loop's
    default pool (cores + 4 threads) would queue a reconnect storm behind a few.
    """
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(settings.REALTIME_DB_THREADS, thread_name_prefix="realtime-db")
    )


def async_enabled() -> bool:
    """Whether this task may use the loop's own PostgreSQL connections (`fetch_all`)."""
    return settings.IS_POSTGRES and settings.REALTIME_ASYNC_READS and served_by_node.get()


def _pool_settings() -> tuple[dict[str, Any], float]:
    """Connection parameters as Django's (its sync cursor class and adapters map left out),
    and how long a statement may wait for a connection."""
    params = connections["default"].get_connection_params()
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    timeout = settings.DATABASES["default"]["OPTIONS"].get("pool", {}).get("timeout", 10.0)
    return params, timeout


async def _open_pool() -> AsyncConnectionPool:
    params, timeout = _pool_settings()
    pool = AsyncConnectionPool(
        # Autocommit: a read is one round trip, without the COMMIT that handing a connection
        # back to the pool would otherwise cost (a tenth of a stream open's CPU, py-spy).
        kwargs={**params, "autocommit": True},
        min_size=1,
        max_size=settings.REALTIME_ASYNC_READ_CONNECTIONS,
        timeout=timeout,
        name="realtime-loop",
        open=False,
    )
    await pool.open(wait=False)
    return pool


@asynccontextmanager
async def async_connection() -> AsyncIterator[AsyncConnection]:
    """A connection of this loop's pool, in autocommit: each statement commits on its own
    (a caller that needs several in one transaction uses `async with conn.transaction()`)."""
    loop = asyncio.get_running_loop()
    if loop not in _pools:
        _pools[loop] = loop.create_task(_open_pool())
    try:
        pool = await _pools[loop]
    except Exception:
        _pools.pop(loop, None)  # the next statement tries again
        raise
    # psycopg's errors become Django's (an unreachable database is an OperationalError,
    # answered with a 503 or a retry, as through the ORM).
    with _database_errors():
        async with pool.connection() as conn:
            yield conn


@functools.cache
def _database_errors() -> DatabaseErrorWrapper:
    """Django's translation of psycopg's errors, built once: `connections["default"]` in a
    new task builds a new DatabaseWrapper (its Local is per context), 16-18 µs of CPU per
    request (measured). The wrapper it holds is only read (its driver's exceptions)."""
    return connections["default"].wrap_database_errors


async def fetch_all(sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple]:
    """One statement's rows, on the loop (callers check `async_enabled()` first)."""
    async with async_connection() as conn:
        cursor = await conn.execute(sql, params)
        return await cursor.fetchall()


async def close() -> None:
    """Close this loop's pool (node shutdown, tests); the next statement opens a new one."""
    task = _pools.pop(asyncio.get_running_loop(), None)
    if task is not None:
        await (await task).close()
