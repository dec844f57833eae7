"""tests/waiting.py: a wait returns what it waited for, or says what never came."""

import asyncio
import itertools

import pytest

from tests.waiting import async_wait_until, wait_until


def test_a_wait_returns_the_first_truthy_answer():
    answers = itertools.chain([None, 0, []], itertools.repeat("ready"))
    assert wait_until(lambda: next(answers), what="ready", interval=0) == "ready"


def test_a_wait_that_times_out_names_what_it_waited_for():
    with pytest.raises(TimeoutError, match="waiting for the moon: still dark"):
        wait_until(lambda: False, what=lambda: "the moon: still dark", timeout=0.05)


def test_the_async_wait_names_it_too():
    with pytest.raises(TimeoutError, match="waiting for the tide"):
        asyncio.run(async_wait_until(lambda: False, what="the tide", timeout=0.05))
