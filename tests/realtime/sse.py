"""A small Server-Sent Events client for tests: reads a real stream in a thread."""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

CONTROL = {"keep-alive"}


@dataclass
class SSEEvent:
    event: str
    data: str
    id: str | None = None
    retry: int | None = None
    received_at: float = field(default_factory=time.monotonic)

    @property
    def json(self):
        return json.loads(self.data) if self.data else None


class SSEClient:
    """Reads one stream over a plain socket, so `close()` really hangs up at once."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        last_event_id: str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.headers = {"Accept": "text/event-stream", **(headers or {})}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if last_event_id:
            self.headers["Last-Event-ID"] = last_event_id
        self.params = params or {}
        self.events: queue.Queue[SSEEvent] = queue.Queue()
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.body: str = ""
        self.error: Exception | None = None
        self.last_id: str | None = last_event_id
        self.ended = threading.Event()
        self._opened = threading.Event()
        self._connection: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, *, wait_open: bool = True) -> SSEClient:
        self._thread.start()
        if wait_open:
            assert self._opened.wait(10), "no response from the stream"
            if self.status == 200:
                self.next("stream-open")
        return self

    def _run(self) -> None:
        parts = urlsplit(self.url)
        query = urlencode(self.params)
        path = parts.path + (f"?{query}" if query else "")
        try:
            self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=None)
            self._connection.request("GET", path, headers=self.headers)
            response = self._connection.getresponse()
            self.status = response.status
            self.response_headers = {k.lower(): v for k, v in response.getheaders()}
            self._opened.set()
            if response.status != 200:
                self.body = response.read().decode()
                return
            self._read_events(response)
        except Exception as exc:  # the stream ended, or close() hung up under the reader
            self.error = exc
        finally:
            self._opened.set()
            self.ended.set()

    def _read_events(self, response: http.client.HTTPResponse) -> None:
        pending: dict[str, str] = {}
        data_lines: list[str] = []
        while True:
            raw = response.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            if line == "":
                if "event" in pending or data_lines:
                    event = SSEEvent(
                        event=pending.get("event", "message"),
                        data="\n".join(data_lines),
                        id=pending.get("id"),
                        retry=int(pending["retry"]) if "retry" in pending else None,
                    )
                    if event.id:
                        self.last_id = event.id
                    self.events.put(event)
                pending, data_lines = {}, []
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data_lines.append(value)
            else:
                pending[name] = value

    def next(self, event_type: str | None = None, *, timeout: float = 5.0) -> SSEEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {event_type or 'event'} within {timeout}s")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event.event in CONTROL and event_type not in CONTROL:
                continue
            if event_type is None or event.event == event_type:
                return event

    def collect(self, event_type: str, count: int, *, timeout: float = 10.0) -> list[SSEEvent]:
        return [self.next(event_type, timeout=timeout) for _ in range(count)]

    def drain(self, *, quiet_for: float = 0.5) -> list[SSEEvent]:
        """Everything that arrives until the stream is quiet for `quiet_for` seconds."""
        found = []
        while True:
            try:
                event = self.events.get(timeout=quiet_for)
            except queue.Empty:
                return [e for e in found if e.event not in CONTROL]
            found.append(event)

    def close(self) -> None:
        connection = self._connection
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
            connection.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SSEClient:
        return self if self._thread.is_alive() or self.ended.is_set() else self.start()

    def __exit__(self, *exc) -> None:
        self.close()
