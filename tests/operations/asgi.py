"""One HTTP request straight into an ASGI application, without a server."""

import asyncio

from asgiref.testing import ApplicationCommunicator

from realtime import db as realtime_db


def request(
    app,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    query: str = "",
    body: bytes = b"",
) -> tuple[int, dict[bytes, bytes], bytes]:
    """(status, headers with lower-case names, body) of one request to `app`."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost")]
        + [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "client": ("127.0.0.1", 5000),
        "server": ("localhost", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(app, scope)
        await communicator.send_input({"type": "http.request", "body": body})
        start = await communicator.receive_output(5)
        answer = await communicator.receive_output(5)
        await communicator.wait(5)
        await realtime_db.close()  # the lean handler's async read pool belongs to this loop
        response_headers = {name.lower(): value for name, value in start["headers"]}
        return start["status"], response_headers, answer["body"]

    return asyncio.run(run())
