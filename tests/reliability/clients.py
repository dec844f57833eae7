"""Load-test clients for the fault tests: streams that reconnect like a browser, and senders
that retry like the web app (same client_id), all over HTTP through nginx."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field

import aiohttp


@dataclass
class ResilientStream:
    """An EventSource: on any drop it reconnects with Last-Event-ID, wherever it lands."""

    base_url: str
    token: str
    received: list[dict] = field(default_factory=list)
    last_id: str | None = None
    nodes: list[str] = field(default_factory=list)
    connects: int = 0
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        while not stop.is_set():
            headers = {"Authorization": f"Bearer {self.token}"}
            if self.last_id:
                headers["Last-Event-ID"] = self.last_id
            try:
                async with session.get(f"{self.base_url}/events/", headers=headers) as response:
                    if response.status == 200:
                        self.connects += 1
                        await self._read(response, stop)
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass
            if not stop.is_set():
                await asyncio.sleep(0.2)

    async def _read(self, response: aiohttp.ClientResponse, stop: asyncio.Event) -> None:
        fields: dict[str, str] = {}
        data: list[str] = []
        while not stop.is_set():
            raw = await response.content.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            if line:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "data":
                    data.append(value)
                elif name:
                    fields[name] = value
                continue
            event = fields.get("event")
            if "id" in fields:
                self.last_id = fields["id"]
            if event == "stream-open":
                self.nodes.append(json.loads(data[0])["node"])
                self.opened.set()
            elif event == "message.new":
                self.received.append(json.loads("\n".join(data))["message"])
            fields, data = {}, []


@dataclass
class Sender:
    """Posts messages and retries a failed POST with the same client_id, as the web app does."""

    base_url: str
    token: str
    accepted: list[dict] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)

    async def send(
        self, session: aiohttp.ClientSession, conversation_id: int, body: str, *, deadline: float
    ) -> dict:
        client_id = str(uuid.uuid4())
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.base_url}/api/v1/conversations/{conversation_id}/messages"
        loop = asyncio.get_running_loop()
        while True:
            try:
                async with session.post(
                    url, json={"body": body, "client_id": client_id}, headers=headers
                ) as response:
                    if response.status in (200, 201):
                        message = await response.json()
                        self.accepted.append(message)
                        return message
                    self.failures[response.status] = self.failures.get(response.status, 0) + 1
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                self.failures[0] = self.failures.get(0, 0) + 1
            if loop.time() > deadline:
                raise TimeoutError(f"message {body!r} was never accepted: {self.failures}")
            await asyncio.sleep(0.2)
