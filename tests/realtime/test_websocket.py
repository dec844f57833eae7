"""`/ws/` keeps the rules of `/events/`: the per-node and per-user stream caps (counted across
both kinds of stream), heartbeats on a quiet stream, and revocation closing it."""

import asyncio
import json

import aiohttp
import httpx
import pytest

from accounts import services as account_services
from tests.factories import PASSWORD
from tests.realtime.conftest import token_for

pytestmark = pytest.mark.multinode


async def frame(ws) -> dict:
    message = await ws.receive(timeout=5)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    return json.loads(message.data)


async def close_code(ws) -> int:
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message
    return ws.close_code


def test_a_second_socket_over_the_users_cap_is_closed_with_4429(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("ws-user-cap", SSE_MAX_STREAMS_PER_USER="1")
    token = token_for(alice)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{node.url}/ws/?token={token}") as first:
                assert (await frame(first))["event"] == "stream-open"
                async with session.ws_connect(f"{node.url}/ws/?token={token}") as second:
                    assert await close_code(second) == 4429
                # The SSE stream counts against the same cap.
                async with httpx.AsyncClient() as client:
                    refused = await client.get(f"{node.url}/events/?token={token}")
                assert refused.status_code == 429
            # Once the first one is gone, a new one is welcome.
            async with session.ws_connect(f"{node.url}/ws/?token={token}") as again:
                assert (await frame(again))["event"] == "stream-open"

    asyncio.run(scenario())


def test_a_full_node_closes_new_sockets_with_node_full(daphne_nodes, stream_users):
    alice, bob = stream_users
    node = daphne_nodes("ws-node-cap", SSE_MAX_STREAMS_PER_NODE="1")
    alice_url, bob_url = (f"{node.url}/ws/?token={token_for(user)}" for user in (alice, bob))

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(alice_url) as first:
            assert (await frame(first))["event"] == "stream-open"
            async with session.ws_connect(bob_url) as other:
                assert await close_code(other) == 4503

    asyncio.run(scenario())


def test_a_quiet_socket_gets_heartbeats(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("ws-heartbeat", SSE_HEARTBEAT_SECONDS="1")
    url = f"{node.url}/ws/?token={token_for(alice)}"

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            assert (await frame(ws))["event"] == "stream-open"
            beats = [await frame(ws) for _ in range(2)]
            assert [beat["event"] for beat in beats] == ["keep-alive", "keep-alive"]
            assert all(beat["id"] is None and beat["data"] is None for beat in beats)

    asyncio.run(scenario())


def test_deactivation_closes_the_users_sockets_and_refuses_new_ones(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("ws-revoked")
    token = token_for(alice)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"{node.url}/ws/?token={token}") as ws:
                assert (await frame(ws))["event"] == "stream-open"
                await asyncio.to_thread(account_services.deactivate_users, user_ids=[alice.pk])
                goodbye = await frame(ws)
                assert goodbye["event"] == "stream-reconnect"
                assert goodbye["data"]["reason"] == "revoked"
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(f"{node.url}/ws/?token={token}")

    asyncio.run(scenario())


def test_the_schema_describes_the_websocket(daphne_nodes):
    node = daphne_nodes("ws-schema")
    schema = httpx.get(f"{node.url}/api/schema/?format=json", timeout=10).json()
    operation = schema["paths"]["/ws/"]["get"]
    assert "keep-alive" in operation["description"] and "4429" in operation["description"]


def test_deleting_the_account_closes_its_sockets(daphne_nodes, stream_users):
    alice, _ = stream_users
    node = daphne_nodes("ws-deleted")
    token = token_for(alice)

    async def scenario() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{node.url}/ws/?token={token}") as ws,
        ):
            assert (await frame(ws))["event"] == "stream-open"
            async with httpx.AsyncClient() as client:
                deleted = await client.request(
                    "DELETE",
                    f"{node.url}/api/v1/auth/me",
                    json={"password": PASSWORD},
                    headers={"Authorization": f"Bearer {token}"},
                )
            assert deleted.status_code == 204
            goodbye = await frame(ws)
            assert goodbye["event"] == "stream-reconnect"
            assert goodbye["data"]["reason"] == "revoked"

    asyncio.run(scenario())
