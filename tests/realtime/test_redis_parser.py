"""The node's Redis clients parse replies with hiredis (requirements/base.txt).

Every event a node delivers arrives as a pub/sub message through redis-py's reply parser,
and every throttle, presence read and publish reads a reply through it. redis-py 8 speaks
RESP3 by default, and without hiredis it parses that in pure Python: about a fifth of a
node's CPU per delivered event (py-spy, README "The hot path"). redis-py silently falls
back to that parser when hiredis is missing, so a dropped requirement would only show up as
a slower node; these tests make it fail here instead.
"""

import asyncio

import pytest
import redis
import redis.asyncio
from channels_redis.utils import create_pool, decode_hosts
from django.conf import settings
from redis._parsers.hiredis import _AsyncHiredisParser, _HiredisParser

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (Redis)")


def test_the_channel_layer_reads_events_with_hiredis():
    async def parser_of_a_layer_connection():
        (host,) = decode_hosts(settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"])
        pool = create_pool(host)
        connection = await pool.get_connection()
        try:
            await connection.send_command("PING")
            assert await connection.read_response() in (b"PONG", "PONG")
            return type(connection._parser)
        finally:
            await pool.release(connection)
            await pool.disconnect()

    assert asyncio.run(parser_of_a_layer_connection()) is _AsyncHiredisParser


def test_the_cache_and_the_publishers_read_replies_with_hiredis():
    client = redis.Redis.from_url(settings.REDIS_URL)
    connection = client.connection_pool.get_connection()
    try:
        assert type(connection._parser) is _HiredisParser
    finally:
        client.connection_pool.release(connection)
        client.close()
    # The loop's clients (throttles, the async publisher) take redis.asyncio's default.
    assert redis.asyncio.connection.DefaultParser is _AsyncHiredisParser
