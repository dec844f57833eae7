"""A long poll waits out wake-ups that bring nothing to send (realtime.streams.wait_for_frames)."""

import asyncio
import time

from realtime.streams import Frame, wait_for_frames


class ScriptedConnection:
    """Answers next_frames() from a script of (delay, result) steps, like a woken listener."""

    def __init__(self, *steps: tuple[float, list | None]) -> None:
        self.steps = list(steps)
        self.waits: list[float] = []

    async def next_frames(self, *, timeout: float):
        self.waits.append(timeout)
        if not self.steps:
            await asyncio.sleep(timeout)
            return []
        delay, result = self.steps.pop(0)
        await asyncio.sleep(min(delay, timeout))
        return result


def test_empty_wake_ups_keep_the_poll_waiting_for_the_next_frame():
    frame = Frame("message.new", "{}", "user-1:3")
    connection = ScriptedConnection((0.05, []), (0.05, []), (0.05, [frame]))
    assert asyncio.run(wait_for_frames(connection, 2.0)) == [frame]
    assert len(connection.waits) == 3
    assert connection.waits[1] < connection.waits[0]  # what is left of the same timeout


def test_a_poll_with_only_empty_wake_ups_lasts_its_whole_timeout():
    connection = ScriptedConnection((0.05, []), (0.05, []))
    started = time.monotonic()
    assert asyncio.run(wait_for_frames(connection, 0.4)) == []
    assert time.monotonic() - started > 0.38  # waiting out the timeout is the behaviour
    # After the two empty wake-ups it went on waiting, each time for what was left.
    assert len(connection.waits) >= 3
    assert connection.waits == sorted(set(connection.waits), reverse=True)
    assert connection.waits[0] <= 0.4


def test_a_closing_connection_ends_the_poll_at_once():
    connection = ScriptedConnection((0.01, None))
    assert asyncio.run(wait_for_frames(connection, 5.0)) == []
    assert len(connection.waits) == 1  # it did not wait again for the rest of the 5 s
