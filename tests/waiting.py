"""Waiting for something to become true, instead of sleeping and hoping it has.

Tests wait on the condition they care about, with a generous timeout: on a busy machine
a wait takes longer but does not fail, and a condition that never comes fails with a
message saying what was awaited. How fast things are is measured in bench/, not here.
"""

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0


def _timed_out(what: str | Callable[[], str], timeout: float) -> TimeoutError:
    description = what() if callable(what) else what
    return TimeoutError(f"timed out after {timeout:g}s waiting for {description}")


def wait_until(
    condition: Callable[[], T],
    *,
    what: str | Callable[[], str],
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.1,
) -> T:
    """Call `condition` until it returns something truthy, and return that.

    `what` names the awaited state for the failure message (a callable is asked only on
    failure, for details such as a log tail). An exception from `condition` ends the wait
    at once: a condition can fail fast, e.g. when the process it waits for has exited.
    """
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() >= deadline:
            raise _timed_out(what, timeout)
        time.sleep(interval)
    return result


async def async_wait_until(
    condition: Callable[[], T],
    *,
    what: str | Callable[[], str],
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = 0.1,
) -> T:
    """`wait_until` for a coroutine: yields to the event loop between checks."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := condition()):
        if loop.time() >= deadline:
            raise _timed_out(what, timeout)
        await asyncio.sleep(interval)
    return result
