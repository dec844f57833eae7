"""An ASGI app that answers with the class of the event loop it runs on (test_daphne.py)."""

import asyncio


async def application(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    loop = type(asyncio.get_running_loop())
    name = f"{loop.__module__}.{loop.__name__}"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": name.encode()})
